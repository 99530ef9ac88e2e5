/* Where Windows starts programs from the registry, beyond services: the
 * locations Sysinternals Autoruns and RegRipper's run, winlogon, imagefile,
 * appinitdlls and lsa plugins read. Judging what is found there is the
 * policy's work (lua/autoruns.lua); this table only says where to look. */
#include "ar_locations.h"

#define CV "Microsoft\\Windows\\CurrentVersion"
#define NTCV "Microsoft\\Windows NT\\CurrentVersion"

/* A user hive (NTUSER.DAT). key_open matches case-insensitively, so
 * "Software" and "SOFTWARE" roots are one path. */
const ar_location ar_user_locations[] = {
    {"hkcu-run", "T1547.001", "Software\\" CV "\\Run", NULL, AR_VALUES, NULL, AR_X_NONE, 1},
    {"hkcu-runonce", "T1547.001", "Software\\" CV "\\RunOnce", NULL, AR_VALUES, NULL, AR_X_NONE, 1},
    {"hkcu-runonceex", "T1547.001", "Software\\" CV "\\RunOnceEx", NULL, AR_SUBKEYS_VALUES, NULL, AR_X_NONE, 0},
    {"hkcu-policies-run", "T1547.001", "Software\\" CV "\\Policies\\Explorer\\Run", NULL, AR_VALUES, NULL,
     AR_X_NONE, 0},
    {"hkcu-winlogon-shell", "T1547.004", "Software\\" NTCV "\\Winlogon", "Shell", AR_VALUE, ",", AR_X_NONE, 0},
    {"hkcu-windows-load", "T1547.001", "Software\\" NTCV "\\Windows", "Load", AR_VALUE, ", ", AR_X_NONE, 0},
    {"hkcu-windows-run", "T1547.001", "Software\\" NTCV "\\Windows", "Run", AR_VALUE, ", ", AR_X_NONE, 0},
    {"logon-script", "T1037.001", "Environment", "UserInitMprLogonScript", AR_VALUE, NULL, AR_X_NONE, 0},
    {"hkcu-cmd-autorun", "T1546", "Software\\Microsoft\\Command Processor", "AutoRun", AR_VALUE, NULL,
     AR_X_NONE, 0},
    {"startup-folder", "T1547.001", "Software\\" CV "\\Explorer\\User Shell Folders", "Startup", AR_VALUE, NULL,
     AR_X_NONE, 0},
    {"startup-folder", "T1547.001", "Software\\" CV "\\Explorer\\Shell Folders", "Startup", AR_VALUE, NULL,
     AR_X_NONE, 0},
};
const size_t ar_user_location_count = sizeof ar_user_locations / sizeof ar_user_locations[0];

const ar_location ar_software_locations[] = {
    {"hklm-run", "T1547.001", CV "\\Run", NULL, AR_VALUES, NULL, AR_X_NONE, 1},
    {"hklm-runonce", "T1547.001", CV "\\RunOnce", NULL, AR_VALUES, NULL, AR_X_NONE, 1},
    {"hklm-runonceex", "T1547.001", CV "\\RunOnceEx", NULL, AR_SUBKEYS_VALUES, NULL, AR_X_NONE, 1},
    {"hklm-runservices", "T1547.001", CV "\\RunServices", NULL, AR_VALUES, NULL, AR_X_NONE, 1},
    {"hklm-runservicesonce", "T1547.001", CV "\\RunServicesOnce", NULL, AR_VALUES, NULL, AR_X_NONE, 1},
    {"hklm-policies-run", "T1547.001", CV "\\Policies\\Explorer\\Run", NULL, AR_VALUES, NULL, AR_X_NONE, 1},
    /* Winlogon runs each comma-separated program of Userinit (and Shell) */
    {"winlogon-shell", "T1547.004", NTCV "\\Winlogon", "Shell", AR_VALUE, ",", AR_X_NONE, 0},
    {"winlogon-userinit", "T1547.004", NTCV "\\Winlogon", "Userinit", AR_VALUE, ",", AR_X_NONE, 0},
    {"winlogon-taskman", "T1547.004", NTCV "\\Winlogon", "Taskman", AR_VALUE, NULL, AR_X_NONE, 0},
    {"winlogon-appsetup", "T1547.004", NTCV "\\Winlogon", "AppSetup", AR_VALUE, ",", AR_X_NONE, 0},
    {"winlogon-notify", "T1547.004", NTCV "\\Winlogon\\Notify", "DllName", AR_SUBKEYS_VALUE, NULL, AR_X_NONE, 0},
    {"ifeo-debugger", "T1546.012", NTCV "\\Image File Execution Options", "Debugger", AR_SUBKEYS_VALUE, NULL,
     AR_X_NONE, 1},
    {"silent-process-exit", "T1546.012", NTCV "\\SilentProcessExit", "MonitorProcess", AR_SUBKEYS_VALUE, NULL,
     AR_X_GLOBALFLAG, 0},
    /* AppInit_DLLs is a space- or comma-separated list */
    {"appinit-dlls", "T1546.010", NTCV "\\Windows", "AppInit_DLLs", AR_VALUE, " ,", AR_X_APPINIT, 1},
    {"active-setup", "T1547.014", "Microsoft\\Active Setup\\Installed Components", "StubPath", AR_SUBKEYS_VALUE,
     NULL, AR_X_NONE, 1},
    {"hklm-cmd-autorun", "T1546", "Microsoft\\Command Processor", "AutoRun", AR_VALUE, NULL, AR_X_NONE, 1},
    {"ssodl", "T1547.001", CV "\\ShellServiceObjectDelayLoad", NULL, AR_VALUES, NULL, AR_X_CLSID, 1},
    {"netsh-helper", "T1546.007", "Microsoft\\NetSh", NULL, AR_VALUES, NULL, AR_X_NONE, 1},
};
const size_t ar_software_location_count = sizeof ar_software_locations / sizeof ar_software_locations[0];

/* Below each ControlSetNNN. */
const ar_location ar_system_locations[] = {
    {"boot-execute", "T1547.001", "Control\\Session Manager", "BootExecute", AR_VALUE, NULL, AR_X_NONE, 0},
    {"setup-execute", "T1547.001", "Control\\Session Manager", "SetupExecute", AR_VALUE, NULL, AR_X_NONE, 0},
    {"session-execute", "T1547.001", "Control\\Session Manager", "Execute", AR_VALUE, NULL, AR_X_NONE, 0},
    {"appcert-dlls", "T1546.009", "Control\\Session Manager\\AppCertDlls", NULL, AR_VALUES, NULL, AR_X_NONE, 0},
    {"lsa-security-packages", "T1547.005", "Control\\Lsa", "Security Packages", AR_VALUE, NULL, AR_X_NONE, 0},
    {"lsa-authentication-packages", "T1547.002", "Control\\Lsa", "Authentication Packages", AR_VALUE, NULL,
     AR_X_NONE, 0},
    {"lsa-notification-packages", "T1556.002", "Control\\Lsa", "Notification Packages", AR_VALUE, NULL,
     AR_X_NONE, 0},
    {"lsa-osconfig-security-packages", "T1547.005", "Control\\Lsa\\OSConfig", "Security Packages", AR_VALUE, NULL,
     AR_X_NONE, 0},
    {"print-monitor", "T1547.010", "Control\\Print\\Monitors", "Driver", AR_SUBKEYS_VALUE, NULL, AR_X_NONE, 0},
    {"network-provider", "T1556.008", "Control\\NetworkProvider\\Order", "ProviderOrder", AR_VALUE, ",",
     AR_X_PROVIDER, 0},
    {"time-provider", "T1547.003", "Services\\W32Time\\TimeProviders", "DllName", AR_SUBKEYS_VALUE, NULL,
     AR_X_ENABLED, 0},
};
const size_t ar_system_location_count = sizeof ar_system_locations / sizeof ar_system_locations[0];
