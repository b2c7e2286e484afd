/* holoerr.c — HOLO_E* -> errno (holoerr.h). */
#include "holoerr.h"

#include <errno.h>

int fs_errno(const holo_err *e)
{
    switch (e->code) {
    case HOLO_ENOMEM: return ENOMEM;
    case HOLO_EIO: return e->sys_errno > 0 ? e->sys_errno : EIO;
    case HOLO_ETOOBIG: return EFBIG;
    case HOLO_EINVAL: return EINVAL;
    case HOLO_EUNSUPPORTED: return EOPNOTSUPP;
    default: return EIO;   /* HOLO_ENOCHUNKS, HOLO_EINCOMPLETE, HOLO_EHOLE: data not there */
    }
}
