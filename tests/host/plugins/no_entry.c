/* A shared object without the entry symbol: not a plugin. */
__attribute__((visibility("default"))) int some_other_symbol(void) { return 42; }
