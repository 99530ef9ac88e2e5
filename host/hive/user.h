/* Layer: hive. */
/* The account a user hive belongs to (hive_user.c). */
#ifndef HH_HIVE_USER_H
#define HH_HIVE_USER_H

#include <stddef.h>

/* Fills out with the account name from the case layout of path, else from
 * the base block's embedded file name; 1 found, 0 not told (out ""). */
int hh_hive_user_guess(const char *path, const char *embedded_name, char *out, size_t outlen);

#endif
