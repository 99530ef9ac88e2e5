/*
 * A large synthetic SYSTEM for the benchmark: N services (own-process,
 * svchost-hosted, drivers) in ControlSet001, copied to ControlSet002, with a
 * few planted bad ones. Produced as spec text so it goes through the same
 * parser as every fixture (and can be printed with --print-spec).
 */
#ifndef HW_GENERATE_H
#define HW_GENERATE_H

#include <stddef.h>

/* Returns malloc'ed spec text of *len bytes. */
char *hw_generate_services_spec(unsigned n, size_t *len);

#endif
