// The system stub resolver, for DNS SRV lookups (RFC 2782) of upstream directory servers.
// glibc declares `h_errno` and `_res` as macros over thread-local locations, which Swift
// cannot import; these inline wrappers give Swift plain functions.
#include <string.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>

/// Queries `name` for records of `type` in class IN with a private resolver state (so
/// concurrent lookups share nothing). `server`, when not NULL, replaces the name servers of
/// /etc/resolv.conf (tests point it at a local fake). Returns the answer's length, or -1 with
/// `*error` set to the resolver's h_errno value (HOST_NOT_FOUND, TRY_AGAIN, …).
static inline int cresolv_query(const char *name, int type, unsigned char *answer, int length,
                                const struct sockaddr_in *server, int *error) {
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) {
        *error = NO_RECOVERY;
        return -1;
    }
    if (server != NULL) {
        state.nscount = 1;
        state.nsaddr_list[0] = *server;
    }
    int result = res_nquery(&state, name, ns_c_in, type, answer, length);
    *error = result < 0 ? state.res_h_errno : 0;
    res_nclose(&state);
    return result;
}
