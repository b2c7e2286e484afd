/* err.c — error and warning messages: one line, naming the file and the problem. */
#include "internal.h"
#include <errno.h>
#include <string.h>

int holo_seterr(holo_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
        err->sys_errno = 0;
    }
    return code;
}

int holo_seterr_sys(holo_err *err, int sys_errno, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof err->msg)
            snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(sys_errno));
        err->code = sys_errno == ENOMEM ? HOLO_ENOMEM : HOLO_EIO;
        err->sys_errno = sys_errno;
        return err->code;
    }
    return sys_errno == ENOMEM ? HOLO_ENOMEM : HOLO_EIO;
}

void holo_warnf(const holo_decode_opts *o, const char *fmt, ...)
{
    if (!o || !o->warn) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->warn(o->warn_ctx, buf);
}

const char *holo_kind_name(holo_kind k)
{
    switch (k) {
    case HOLO_KIND_IMAGE: return "image";
    case HOLO_KIND_AUDIO: return "audio";
    case HOLO_KIND_BINARY: return "binary";
    default: return "none";
    }
}

const char *holo_strerror(int code)
{
    switch (code) {
    case HOLO_OK: return "success";
    case HOLO_ENOMEM: return "out of memory";
    case HOLO_EIO: return "input/output error";
    case HOLO_EINVAL: return "corrupt or invalid data";
    case HOLO_EUNSUPPORTED: return "unsupported format or feature";
    case HOLO_ENOCHUNKS: return "no valid chunk";
    case HOLO_EINCOMPLETE: return "chunks missing (strict decode)";
    case HOLO_ETOOBIG: return "size over the decode limits";
    default: return "unknown error";
    }
}

int holo_errno(const holo_err *err)
{
    if (!err) return 0;
    switch (err->code) {
    case HOLO_OK: return 0;
    case HOLO_ENOMEM: return ENOMEM;
    case HOLO_EIO: return err->sys_errno > 0 ? err->sys_errno : EIO;
    case HOLO_EINVAL: return EINVAL;
    case HOLO_EUNSUPPORTED: return EOPNOTSUPP;
    case HOLO_ETOOBIG: return EFBIG;
    default: return EIO;   /* no chunks, incomplete set, unknown codes: the data is unreadable */
    }
}
