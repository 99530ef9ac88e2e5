/* The autostart locations the autoruns plugin reads, as data: where each
 * lives, which value holds what runs, and how to split it. */
#ifndef HH_AR_LOCATIONS_H
#define HH_AR_LOCATIONS_H

#include <stddef.h>

enum ar_mode {
    AR_VALUES,        /* every value of the key (Run) */
    AR_VALUE,         /* one named value (Winlogon Shell) */
    AR_SUBKEYS_VALUE, /* the named value of each subkey (IFEO\<exe> Debugger) */
    AR_SUBKEYS_VALUES /* every value of each subkey (RunOnceEx\0001) */
};

/* Extra facts read next to an entry, for rules that need them. */
enum ar_extra {
    AR_X_NONE,
    AR_X_APPINIT,     /* LoadAppInit_DLLs of the same key */
    AR_X_CLSID,       /* the CLSID's InprocServer32 (SOFTWARE\Classes) */
    AR_X_PROVIDER,    /* Services\<name>\NetworkProvider\ProviderPath */
    AR_X_GLOBALFLAG,  /* IFEO\<target>\GlobalFlag (SilentProcessExit) */
    AR_X_ENABLED      /* the subkey's Enabled value (time providers) */
};

typedef struct ar_location {
    const char *id;        /* short id: "hkcu-run", "ifeo-debugger" */
    const char *technique; /* ATT&CK id */
    const char *key;       /* path below the hive root (SYSTEM: below a control set) */
    const char *value;     /* value name (AR_VALUE, AR_SUBKEYS_VALUE) or NULL */
    enum ar_mode mode;
    /* Characters that separate several entries in one string value
     * ("," for Userinit); NULL: the string is one entry. A REG_MULTI_SZ
     * always gives one entry per string. */
    const char *sep;
    enum ar_extra extra;
    int wow64;             /* also read under Wow6432Node (SOFTWARE and user hives) */
} ar_location;

extern const ar_location ar_user_locations[];
extern const size_t ar_user_location_count;
extern const ar_location ar_software_locations[];
extern const size_t ar_software_location_count;
extern const ar_location ar_system_locations[];
extern const size_t ar_system_location_count;

#endif
