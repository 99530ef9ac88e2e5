/*
 * The canonical listing of what a reader must find in the written hive
 * (live keys only), compared by tests/writer/roundtrip_spec.lua with the
 * same listing built through hh.regf.
 *   K<TAB>path<TAB>lastwrite-FILETIME<TAB>class|-
 *   V<TAB>path<TAB>name<TAB>type-number<TAB>data-hex
 * Names are UTF-8; control characters and '\' inside a name are \xHH, lone
 * surrogates \uXXXX. The root's path is empty; lines are in no set order.
 */
#ifndef HW_DUMP_H
#define HW_DUMP_H

#include <stdio.h>

#include "model.h"

void hw_dump_expected(const hw_hive *h, FILE *out);

#endif
