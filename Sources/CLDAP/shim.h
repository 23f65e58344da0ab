// OpenLDAP's client libraries, used by tests as the reference implementation of BER and DNs.
#define LDAP_DEPRECATED 0
#include <lber.h>
#include <ldap.h>
