/* The fan-out's send loop in C: one frame to many sockets, with the GIL released.
 *
 * Optional: `pip install .` builds it where a C compiler and Python's headers exist. Its pure-Python twin, with
 * the same contract, is `send_to_all` in sendloop.py; server/fanout.py decides which to call. Python keeps every
 * decision (which clients, what to do with the few that did not take the whole frame); this file only sends.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Send `len` bytes to `fd` once, as a non-blocking socket send that never raises SIGPIPE.
 * Returns what the kernel took (0 for EAGAIN: its buffer is full), or -errno. */
static Py_ssize_t send_once(int fd, const char *data, Py_ssize_t len)
{
    for (;;) {
        ssize_t sent = send(fd, data, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent >= 0) {
            return (Py_ssize_t)sent;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        }
        return -(Py_ssize_t)errno;
    }
}

/* The file descriptors of `fds` as a C array, read while we still hold the GIL: a buffer of C ints (an
 * array('i'), read in place through `view`, with nothing made per client) or a list or tuple of ints (copied:
 * `view->obj` is then NULL, and the caller PyMem_Frees the array). NULL with an exception set on error. */
static const int *read_fds(PyObject *fds, Py_buffer *view, Py_ssize_t *count)
{
    view->obj = NULL;
    if (PyObject_CheckBuffer(fds)) {
        if (PyObject_GetBuffer(fds, view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
            return NULL;
        }
        if (view->itemsize != sizeof(int) || view->format == NULL || strcmp(view->format, "i") != 0) {
            PyErr_SetString(PyExc_TypeError, "fds must be an array('i'), a list or a tuple of file descriptors");
            PyBuffer_Release(view);
            return NULL;
        }
        *count = view->len / (Py_ssize_t)sizeof(int);
        return (const int *)view->buf;
    }
    PyObject *seq = PySequence_Fast(fds, "fds must be an array('i'), a list or a tuple of file descriptors");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int *out = PyMem_New(int, n > 0 ? n : 1);
    if (out == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        /* Exact ints only: converting anything else could run Python code that changes the list under us. */
        if (!PyLong_CheckExact(items[i])) {
            PyErr_Format(PyExc_TypeError, "fds[%zd] is a %.100s, not an int", i, Py_TYPE(items[i])->tp_name);
            goto fail;
        }
        long fd = PyLong_AsLong(items[i]);
        if (fd == -1 && PyErr_Occurred()) {
            goto fail;
        }
        if (fd > INT_MAX) {
            PyErr_Format(PyExc_ValueError, "fds[%zd] is %ld: not a file descriptor", i, fd);
            goto fail;
        }
        out[i] = fd < 0 ? -1 : (int)fd;
    }
    Py_DECREF(seq);
    *count = n;
    return out;
fail:
    PyMem_Free(out);
    Py_DECREF(seq);
    return NULL;
}

/* The (position, outcome) pairs of every client the frame did not wholly reach: None where it was left alone. */
static PyObject *stragglers_list(const int *fds, const Py_ssize_t *outcome, Py_ssize_t count, Py_ssize_t whole)
{
    PyObject *result = PyList_New(0);
    if (result == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (fds[i] >= 0 && outcome[i] == whole) {
            continue;
        }
        PyObject *pair = fds[i] < 0 ? Py_BuildValue("(nO)", i, Py_None) : Py_BuildValue("(nn)", i, outcome[i]);
        if (pair == NULL || PyList_Append(result, pair) < 0) {
            Py_XDECREF(pair);
            Py_DECREF(result);
            return NULL;
        }
        Py_DECREF(pair);
    }
    return result;
}

PyDoc_STRVAR(send_to_all_doc,
"send_to_all(frame, fds, /)\n--\n\n"
"Send `frame` once to every socket of `fds` (an array('i'), read in place, or a list or tuple of\n"
"ints; non-blocking, no SIGPIPE), with the GIL released; a negative entry is left alone. Returns\n"
"[(position, outcome)] for every entry the frame did not wholly reach: None for those left alone,\n"
"else the bytes the kernel took (0 when its buffer was full), or -errno when the send failed.");

static PyObject *send_to_all(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "send_to_all() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    Py_buffer frame;
    if (PyObject_GetBuffer(args[0], &frame, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    Py_buffer view;
    Py_ssize_t count = 0;
    const int *fds = read_fds(args[1], &view, &count);
    Py_ssize_t *outcome = fds == NULL ? NULL : PyMem_New(Py_ssize_t, count > 0 ? count : 1);
    PyObject *result = NULL;
    if (outcome == NULL) {
        if (fds != NULL) {
            PyErr_NoMemory();
        }
    }
    else {
        /* The GIL is released, but the fds' array cannot change size meanwhile: we hold its buffer. */
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < count; i++) {
            outcome[i] = fds[i] < 0 ? 0 : send_once(fds[i], (const char *)frame.buf, frame.len);
        }
        Py_END_ALLOW_THREADS
        result = stragglers_list(fds, outcome, count, frame.len);
    }
    PyMem_Free(outcome);
    if (view.obj != NULL) {
        PyBuffer_Release(&view);
    }
    else {
        PyMem_Free((void *)fds);  /* a copy (or NULL) */
    }
    PyBuffer_Release(&frame);
    return result;
}

static PyMethodDef speedups_methods[] = {
    {"send_to_all", (PyCFunction)(void (*)(void))send_to_all, METH_FASTCALL, send_to_all_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "tornado_timer.server._speedups",
    "The fan-out's send loop in C (optional; sendloop.py has its pure-Python twin).",
    -1,
    speedups_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
    return PyModule_Create(&speedups_module);
}
