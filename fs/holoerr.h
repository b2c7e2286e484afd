/* holoerr.h — the one mapping from libholo's HOLO_E* codes to the errno a FUSE reply carries. */
#ifndef HOLOFS_HOLOERR_H
#define HOLOFS_HOLOERR_H

#include "holo.h"

/* Positive errno for a failed libholo call: ENOMEM, the system's errno for HOLO_EIO (EIO when
 * none), EFBIG for HOLO_ETOOBIG, EINVAL for bad input, EOPNOTSUPP for unsupported formats and
 * EIO for everything else (no valid chunk, incomplete or holed data, unknown codes). */
int fs_errno(const holo_err *e);

#endif
