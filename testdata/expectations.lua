-- What `hivehunt hunt` must and must not report on each fixture, as data
-- (testdata/README.md explains each plant). Entries are "Service/rule-id";
-- "Service/*" in must_not means no finding at all for that service.
-- silent = true: no finding of any kind. Paths are relative to $HH_TESTDATA.
local spelled_clean = {
  "SpellSystemRoot", "SpellWindir", "SpellProgramFiles", "SpellNtSystemRoot",
  "SpellBareSystem32", "SpellDosDevice", "SpellQuotedArgs", "SpellTempArgument",
  "SpellDotDotBenign", "SpellShortName", "SpellMixedCase", "SpellNoSpaceUnquoted",
  "SpellSystem32Driver",
}
local near_misses = {
  "NVDisplay.ContainerLocalSystem/*", "nvlddmkm/*", "CSAgent/*", "TrustedInstaller/*",
  "SamSs/*", "RpcSs/*", "Winmgmt/*", "RemoteRegistry/*", "CDPUserSvc_1a2b3c/*",
  "OneSyncSvc_1a2b3c/*", "WpnUserService_1a2b3c/*", "CredentialEnrollmentManagerUserSvc_1a2b3c/*",
  "WdNisSvc/security-service-disabled", "COMSysApp/*", "edgeupdate/*",
}
local function all(list, suffix)
  local out = {}
  for _, s in ipairs(list) do out[#out + 1] = s .. (suffix or "") end
  return out
end

local B = "clean/SYSTEM"
return {
  { hive = "clean/SYSTEM", software = "clean/SOFTWARE", silent = true },
  { hive = "clean/SYSTEM", software = "clean/SOFTWARE", baseline = B, silent = true },
  { hive = "clean-full/SYSTEM", software = "clean/SOFTWARE", silent = true },
  { hive = "path-spellings", software = "clean/SOFTWARE",
    must = { "SpellForwardSlash/path-user-writable", "SpellDotDotEscape/path-user-writable",
             "SpellShortNameTemp/path-user-writable", "SpellUpperTemp/path-user-writable",
             "SpellPublicEnv/path-user-writable", "SpellWindowsTasks/path-user-writable",
             "SpellProgramData/path-programdata" },
    must_not = all(spelled_clean, "/*") },
  { hive = "compromised/psexec-service", software = "clean/SOFTWARE", baseline = B,
    must = { "PSEXESVC/known-tool", "PSEXESVC/path-user-writable", "PSEXESVC/baseline-added" },
    must_not = near_misses },
  { hive = "compromised/imagepath-repointed", software = "clean/SOFTWARE", baseline = B,
    must = { "SNMPTRAP/baseline-imagepath-changed", "SNMPTRAP/path-user-writable" } },
  { hive = "compromised/start-changed", software = "clean/SOFTWARE", baseline = B,
    must = { "RemoteRegistry/baseline-start-changed" },
    must_not = { "RemoteRegistry/lastwrite-cluster", "RemoteRegistry/lastwrite-in-window" } },
  { hive = "compromised/defender-disabled", software = "clean/SOFTWARE", baseline = B,
    must = { "WinDefend/security-service-disabled", "WinDefend/baseline-start-changed" } },
  { hive = "compromised/servicedll-swap", software = "clean/SOFTWARE", baseline = B,
    must = { "SessionEnv/svchost-dll-outside-system32", "SessionEnv/baseline-servicedll-changed" },
    must_not = { "SessionEnv/svchost-group-nonmember", "SessionEnv/baseline-imagepath-changed" } },
  { hive = "compromised/svchost-group-unknown", software = "clean/SOFTWARE",
    must = { "WinHttpProxySvc/svchost-group-unknown" },
    must_not = { "WinHttpProxySvc/svchost-dll-outside-system32" } },
  { hive = "compromised/svchost-group-nonmember", software = "clean/SOFTWARE",
    must = { "NetSetupMgr/svchost-group-nonmember" },
    must_not = near_misses },
  { hive = "compromised/objectname-nonstandard", software = "clean/SOFTWARE", baseline = B,
    must = { "Spooler/objectname-nonstandard", "Spooler/baseline-objectname-changed" } },
  { hive = "compromised/name-random", software = "clean/SOFTWARE",
    must = { "qzvwkhmtrx/name-random" },
    must_not = { "qzvwkhmtrx/path-user-writable", "qzvwkhmtrx/unquoted-path" } },
  { hive = "compromised/binary-impersonation", software = "clean/SOFTWARE",
    must = { "LsaHealthSvc/binary-impersonation" },
    must_not = { "SamSs/binary-impersonation" } },
  { hive = "compromised/interpreter-command", software = "clean/SOFTWARE",
    must = { "MsCtfMonitor/interpreter-command", "WinTelemetrySvc/interpreter-command" } },
  { hive = "compromised/unquoted-path", software = "clean/SOFTWARE",
    must = { "AcmeUpdater/unquoted-path" } },
  { hive = "compromised/failure-command", software = "clean/SOFTWARE", baseline = B,
    must = { "SysMain/failure-command", "SysMain/baseline-value-changed" } },
  { hive = "compromised/driver-outside-drivers", software = "clean/SOFTWARE",
    must = { "RTCore64/driver-outside-drivers" },
    must_not = { "CSAgent/driver-outside-drivers", "nvlddmkm/driver-outside-drivers" } },
  { hive = "compromised/controlset-mismatch", software = "clean/SOFTWARE",
    must = { "WmiPerfSvc/controlset-mismatch", "Fax/controlset-mismatch" } },
  { hive = "compromised/lastwrite-cluster", software = "clean/SOFTWARE", baseline = B,
    must = all({ "Schedule", "BITS", "Themes", "iphlpsvc", "SENS", "Dhcp", "TrkWks", "Dnscache",
                 "nsi", "W32Time", "Spooler", "VSS" }, "/lastwrite-cluster"),
    must_not = { "CryptSvc/lastwrite-cluster", "wuauserv/lastwrite-cluster" } }, -- patch day is bulk
  { hive = "compromised/service-deleted", software = "clean/SOFTWARE",
    must = { "PSEXESVC/service-deleted" } },
  { hive = "compromised/dirty", software = "clean/SOFTWARE", silent = true,
    stderr = "dirty" },
  { hive = "demo/SYSTEM", software = "demo/SOFTWARE", baseline = B,
    must = { "PSEXESVC/service-deleted", "MsUpdateSvc/binary-impersonation",
             "MsUpdateSvc/path-user-writable", "SessionEnv/svchost-dll-outside-system32",
             "WinDefend/security-service-disabled", "RemoteRegistry/baseline-start-changed",
             "SessionEnv/baseline-servicedll-changed", "MsUpdateSvc/baseline-added" },
    must_not = { "RemoteRegistry/lastwrite-cluster" } },
}
