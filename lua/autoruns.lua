-- autoruns: the shipped policy for registry autostart locations beyond
-- services: Run keys, Winlogon, Image File Execution Options, AppInit and
-- AppCert DLLs, LSA packages, print monitors, network and time providers,
-- BootExecute, the Startup folder (ATT&CK T1547.*, T1546.*, T1037.001,
-- T1556.*).
--
-- Input: the rows of the autoruns plugin (one per autostart entry; the
-- plugin's header says their shape). prepare() derives what each entry
-- starts and writes it on the row as row.binary and row.arguments, so the
-- rows that later plugins read (input.previous.autoruns) carry it too.
--
-- Scoring is hh.policy's: a row's score is the sum of its rules' weights,
-- bands 2 low, 4 medium, 8 high, 12 critical; a finding is at least its
-- rule's (or hit's) severity. Rules of severity high weigh 6, so a second
-- signal on the same entry makes it critical; a per-user program in the
-- user's own AppData alone stays low.
--
-- Extend it from a local file as any policy:
--   local autoruns = require "autoruns"
--   return autoruns.extend { allow = { { rule = "path-user-profile", dir = [[c:\users\bob\appdata\local\acme]] } } }
--
-- Runs in the host's sandbox: base, string, table, math and utf8 only.

local paths = require "hh.paths"
local policy = require "hh.policy"
local commands = require "hh.commands"
local time = require "hh.time"
-- the services policy's data and name test, shared rather than copied
local services = require "services"

local SYSTEM32 = paths.SYSTEM32
local SYSWOW64 = paths.WINDOWS .. "\\syswow64"
local USER_WRITABLE = services.data.USER_WRITABLE
local PROGRAMDATA = services.data.PROGRAMDATA
local SYSTEM_BINARIES = services.data.SYSTEM_BINARIES

-- Data ---------------------------------------------------------------------

-- How each location's entry names what runs:
--   command  a command line (CreateProcess)
--   native   a BootExecute-style native program ("autocheck autochk *")
--   dll      a DLL path or bare name, loaded from System32 when bare
--   package  an LSA package name: <name>.dll in System32
--   clsid    a CLSID whose InprocServer32 is the DLL (clsid_dll)
--   provider a network provider whose ProviderPath is the DLL
--   folder   a folder whose contents run (the Startup folder)
--   runonceex  "dll|entry" or "||command"
-- per_user: the entry is the user's own (a user hive), so their AppData is
-- their programs' normal home.
local LOCATIONS = {
  ["hkcu-run"] = { how = "command", per_user = true },
  ["hkcu-runonce"] = { how = "command", per_user = true },
  ["hkcu-runonceex"] = { how = "runonceex", per_user = true },
  ["hkcu-policies-run"] = { how = "command", per_user = true },
  ["hkcu-winlogon-shell"] = { how = "command", per_user = true },
  ["hkcu-windows-load"] = { how = "command", per_user = true },
  ["hkcu-windows-run"] = { how = "command", per_user = true },
  ["logon-script"] = { how = "command", per_user = true },
  ["hkcu-cmd-autorun"] = { how = "command", per_user = true },
  ["startup-folder"] = { how = "folder", per_user = true },
  ["hklm-run"] = { how = "command" },
  ["hklm-runonce"] = { how = "command" },
  ["hklm-runonceex"] = { how = "runonceex" },
  ["hklm-runservices"] = { how = "command" },
  ["hklm-runservicesonce"] = { how = "command" },
  ["hklm-policies-run"] = { how = "command" },
  ["winlogon-shell"] = { how = "command" },
  ["winlogon-userinit"] = { how = "command" },
  ["winlogon-taskman"] = { how = "command" },
  ["winlogon-appsetup"] = { how = "command" },
  ["winlogon-notify"] = { how = "dll" },
  ["ifeo-debugger"] = { how = "command" },
  ["silent-process-exit"] = { how = "command" },
  ["appinit-dlls"] = { how = "dll" },
  ["active-setup"] = { how = "command" },
  ["hklm-cmd-autorun"] = { how = "command" },
  ["ssodl"] = { how = "clsid" },
  ["netsh-helper"] = { how = "dll" },
  ["boot-execute"] = { how = "native" },
  ["setup-execute"] = { how = "native" },
  ["session-execute"] = { how = "native" },
  ["appcert-dlls"] = { how = "dll" },
  ["lsa-security-packages"] = { how = "package" },
  ["lsa-authentication-packages"] = { how = "package" },
  ["lsa-notification-packages"] = { how = "package" },
  ["lsa-osconfig-security-packages"] = { how = "package" },
  ["print-monitor"] = { how = "dll" },
  ["network-provider"] = { how = "provider" },
  ["time-provider"] = { how = "dll" },
}

-- Locations Windows leaves empty and software rarely uses: anything there
-- deserves a look (legitimate uses exist: a GPO's Policies\Explorer\Run,
-- a shell enhancer in Command Processor AutoRun, a domain logon script).
local RARE_LOCATIONS = {
  ["hkcu-policies-run"] = "Run list set by policy for this user",
  ["hklm-policies-run"] = "Run list set by policy for every user",
  ["hkcu-windows-load"] = "Windows NT Load value, kept for Windows 3.x compatibility",
  ["hkcu-windows-run"] = "Windows NT Run value, kept for Windows 3.x compatibility",
  ["hklm-runservices"] = "Windows 9x RunServices key",
  ["hklm-runservicesonce"] = "Windows 9x RunServicesOnce key",
  ["winlogon-taskman"] = "Winlogon Taskman (the Task Manager replacement)",
  ["winlogon-appsetup"] = "Winlogon AppSetup (programs run at logon for setup)",
  ["logon-script"] = "UserInitMprLogonScript: a logon script outside Group Policy",
  ["hkcu-cmd-autorun"] = "runs with every cmd.exe the user starts",
  ["hklm-cmd-autorun"] = "runs with every cmd.exe on the machine",
  ["hkcu-winlogon-shell"] = "a per-user shell replacing Explorer",
}

-- Winlogon's stock programs (normalised), per location. Each list entry is
-- a program Windows itself puts there; anything else, or arguments, is not.
local WINLOGON_STOCK = {
  ["winlogon-shell"] = {
    [ [[c:\windows\explorer.exe]] ] = "Explorer, written with its path",
    [ [[c:\windows\system32\explorer.exe]] ] = "bare explorer.exe (found on the search path in the Windows directory)",
  },
  ["hkcu-winlogon-shell"] = {
    [ [[c:\windows\explorer.exe]] ] = "Explorer, written with its path",
    [ [[c:\windows\system32\explorer.exe]] ] = "bare explorer.exe",
  },
  ["winlogon-userinit"] = {
    [ [[c:\windows\system32\userinit.exe]] ] = "userinit.exe (written as a path since Windows 2000, bare on NT 4)",
    [ [[c:\windows\system32\nddeagnt.exe]] ] = "Windows NT 4's network DDE agent, the second program of its stock Userinit",
  },
}

-- BootExecute, SetupExecute and Execute: Lua patterns on the lowercased
-- entry that Windows (or its disk checker) writes.
local BOOT_STOCK = {
  { pattern = "^autocheck autochk ", note = "the disk check every Windows runs at boot (also with /q /v or a volume to check)" },
  { pattern = "^autocheck autochk$", note = "the disk check without arguments" },
}

-- LSA packages Windows ships (lowercase names, a ".dll" dropped), per list.
-- Learned from the corpus hives (NT 4, XP, 7, 10) and Microsoft's documentation.
local LSA_STOCK = {
  security = {
    kerberos = "Kerberos", msv1_0 = "NTLM", schannel = "TLS/SSL", wdigest = "Digest",
    tspkg = "CredSSP (Vista+)", pku2u = "PKU2U (7+)", cloudap = "Cloud AP, Azure AD and Microsoft accounts (10+)",
    livessp = "Windows Live SSP, Microsoft accounts (8/8.1)", negoexts = "Negotiate extensions",
    negotiate = "SPNEGO", [""] = "an empty list written as two quotes (8+)",
  },
  authentication = { msv1_0 = "MSV1_0, the only stock authentication package" },
  notification = {
    scecli = "Security Configuration Engine client (2000+)",
    rassfm = "RAS server password filter (servers with Routing and Remote Access)",
    fpnwclnt = "File and Print Services for NetWare (NT 4)",
    passfilt = "Microsoft's password complexity filter (NT 4 SP2)",
    kdcsvc = "KDC password notification (domain controllers)",
  },
}
local LSA_LIST = {
  ["lsa-security-packages"] = "security", ["lsa-osconfig-security-packages"] = "security",
  ["lsa-authentication-packages"] = "authentication", ["lsa-notification-packages"] = "notification",
}

-- Network providers Windows ships (lowercase service names).
local NETWORK_PROVIDER_STOCK = {
  rdpnp = "Remote Desktop session provider",
  lanmanworkstation = "SMB client",
  webclient = "WebDAV client",
  p9np = "Plan 9 provider for WSL file shares (10 1903+)",
  csc = "Offline Files",
  vmhgfs = "VMware Tools shared folders (vendor, common on analysts' VMs)",
}

-- Programs an IFEO Debugger legitimately names: a debugger or a tool that
-- replaces a Windows program on purpose. target nil: any target.
local KNOWN_DEBUGGERS = {
  { target = "taskmgr.exe", program = "^procexp", note = "Process Explorer's Replace Task Manager" },
  { target = "taskmgr.exe", program = "^taskmgr", note = "a Task Manager alternative named like it" },
  { program = "^vsjitdebugger%.exe$", note = "Visual Studio just-in-time debugger" },
  { program = "^windbg%.exe$", note = "WinDbg" },
  { program = "^ntsd%.exe$", target = "your image file name here without a path", stock = true,
    note = "the example entry Windows NT 4 and 2000 ship" },
}

-- The accessibility programs reachable from the logon screen: a Debugger
-- on one is a SYSTEM shell before logon (T1546.008).
local ACCESSIBILITY = {
  ["sethc.exe"] = true, ["utilman.exe"] = true, ["osk.exe"] = true, ["narrator.exe"] = true,
  ["magnify.exe"] = true, ["displayswitch.exe"] = true, ["atbroker.exe"] = true,
}

-- Where Windows' own DLLs live: a DLL any location loads from elsewhere is
-- a third party's at best.
local SYSTEM_DIRS = { SYSTEM32, SYSWOW64 }
local PROGRAM_FILES = { [[c:\program files]], [[c:\program files (x86)]] }

-- DLL locations and what a DLL outside System32 there is worth.
local DLL_OUTSIDE = {
  ["print-monitor"] = "high", ["time-provider"] = "high", ["winlogon-notify"] = "high",
  ["netsh-helper"] = "high", ["network-provider"] = "high", ["lsa-security-packages"] = "high",
  ["lsa-authentication-packages"] = "high", ["lsa-notification-packages"] = "high",
  ["lsa-osconfig-security-packages"] = "high",
  ["ssodl"] = "medium",   -- vendors' shell objects live in Program Files
}

-- Per-user programs that install into the user's AppData and start at
-- logon. Allow entries of path-user-profile (the shape extend{allow=} takes).
local PROFILE = [[^c:\users\[^\]+\]]
local ALLOW = {
  { rule = "path-user-profile", path = PROFILE .. [[appdata\local\microsoft\onedrive\]], note = "OneDrive (per-user install)" },
  { rule = "path-user-profile", path = PROFILE .. [[appdata\local\microsoft\teams\]], note = "Microsoft Teams (classic, per-user)" },
  { rule = "path-user-profile", path = PROFILE .. [[appdata\local\microsoft\windowsapps\]], note = "Store app execution aliases" },
  { rule = "path-user-profile", path = PROFILE .. [[appdata\roaming\spotify\]], note = "Spotify" },
  { rule = "path-user-profile", path = PROFILE .. [[appdata\local\google\update\]], note = "Google Update (per-user Chrome)" },
  { rule = "path-user-profile", path = PROFILE .. [[appdata\roaming\zoom\bin\]], note = "Zoom" },
  { rule = "path-user-profile", path = PROFILE .. [[appdata\local\slack\]], note = "Slack" },
  { rule = "path-user-profile", path = PROFILE .. [[appdata\local\discord\]], note = "Discord" },
  { rule = "path-user-profile", path = PROFILE .. [[appdata\local\programs\]], note = "per-user installs (VS Code, GitHub Desktop, ...)" },
}

-- Helpers ------------------------------------------------------------------

local under_any = paths.first_under

-- The user profile a canonical path lies in: name, and the rest below it
-- ("appdata\local\x"); nil outside c:\users and c:\documents and settings
-- (Public, Default and All Users are shared, not a user's own).
local SHARED_PROFILES = { public = true, default = true, ["default user"] = true, ["all users"] = true }
local function profile_of(p)
  if not p then return nil end
  local c = paths.components(p)
  if #c < 4 or c[1] ~= "c:" or (c[2] ~= "users" and c[2] ~= "documents and settings") then return nil end
  if SHARED_PROFILES[c[3]] then return nil end
  return c[3], table.concat(c, "\\", 4)
end

local TEMP_WITHIN = { "appdata\\local\\temp", "local settings\\temp", "appdata\\locallow\\temp" }
local function temp_within(within)
  for _, t in ipairs(TEMP_WITHIN) do
    if within == t or within:sub(1, #t + 1) == t .. "\\" then return true end
  end
  return false
end

-- A bare LSA package or DLL name: System32\<name>(.dll).
local function system_dll(name)
  if not name or name == "" then return nil end
  local p = paths.normalize(name, SYSTEM32)
  if p and not paths.basename(p):find("%.[^%.]+$") then p = p .. ".dll" end
  return p
end

-- What one row starts: a table of facts, or {} when it names nothing.
local function entry_facts(row)
  local loc = LOCATIONS[row.location] or { how = "command" }
  local cmd = row.command
  if type(cmd) ~= "string" then return { loc = loc } end
  local f = { loc = loc, per_user = loc.per_user or row.hive_kind == "NTUSER" }
  local how = loc.how
  if how == "command" then
    local d = commands.describe(cmd)
    if d then for k, v in pairs(d) do f[k] = v end end
  elseif how == "runonceex" then
    local rest = cmd:match("^%s*||(.*)$")
    if rest then
      local d = commands.describe(rest)
      if d then for k, v in pairs(d) do f[k] = v end end
    else
      local dll, entry = cmd:match("^([^|]*)|(.*)$")
      f.binary_raw = paths.trim(dll or cmd)
      f.binary = system_dll(f.binary_raw)
      f.arguments = entry
    end
  elseif how == "native" then
    local toks = commands.tokens(cmd)
    local i = 1
    if toks[1] and toks[1]:lower() == "autocheck" then i = 2 end
    if toks[i] then
      f.binary_raw = toks[i]
      f.binary = commands.program(toks[i])
      f.arguments = table.concat(toks, " ", i + 1)
    end
  elseif how == "dll" then
    f.binary_raw = cmd
    f.binary = paths.normalize(cmd, SYSTEM32)
  elseif how == "package" then
    local name = paths.trim(cmd)
    if name ~= '""' then
      f.binary_raw = name
      f.binary = system_dll(name)
    end
    f.package = (name == '""' and "" or name:lower():gsub("%.dll$", ""))
  elseif how == "clsid" then
    f.binary_raw = row.clsid_dll
    f.binary = row.clsid_dll and paths.normalize(row.clsid_dll, SYSTEM32)
  elseif how == "provider" then
    f.binary_raw = row.provider_path
    f.binary = row.provider_path and paths.normalize(row.provider_path, SYSTEM32)
  elseif how == "folder" then
    f.folder = paths.normalize(cmd)
  end
  if f.binary then f.name = f.name or paths.basename(f.binary) end
  return f
end

-- Paths a path rule judges: the program and an interpreter's payload.
local function candidates(f)
  local out = {}
  if f.binary then out[#out + 1] = { role = "program", raw = f.binary_raw, normalized = f.binary } end
  if f.payload then out[#out + 1] = { role = "interpreter payload", raw = f.payload_raw, normalized = f.payload } end
  return out
end

local function evidence(row, c, extra)
  local e = { command = row.command, role = c and c.role, path = c and c.raw, normalized = c and c.normalized }
  for k, v in pairs(extra or {}) do e[k] = v end
  return e
end

-- The user a profile path belongs to matches the row's (or the row's user
-- is unknown, or the path was written with %USERPROFILE%).
local function own_profile(row, name)
  return name == paths.USER or type(row.user) ~= "string" or row.user:lower() == name
end

-- Rules --------------------------------------------------------------------

local rules = {}
local function rule(r) rules[#rules + 1] = r end
local LOCATION = "location"   -- technique: the row's location's

-- The KNOWN_DEBUGGERS entry an IFEO row's program matches, or nil.
local function known_debugger(target, f)
  for _, k in ipairs(KNOWN_DEBUGGERS) do
    if (k.target == nil or k.target == target) and f.name and f.name:find(k.program) then return k end
  end
  return nil
end

rule {
  id = "ifeo-debugger", technique = "T1546.012", severity = "high", weight = 6,
  message = "Image File Execution Options Debugger: another program runs whenever the target starts",
  match = function(row, ctx)
    if row.location ~= "ifeo-debugger" or not row.command then return nil end
    local f = ctx.facts(row)
    local target = (row.target or ""):lower()
    local e = evidence(row, { role = "debugger", raw = f.binary_raw, normalized = f.binary }, { target = row.target })
    if ACCESSIBILITY[target] then
      e.technique = "T1546.008"
      e.accessibility = true
      return e
    end
    if known_debugger(target, f) then return nil end
    return e
  end,
}

rule {
  id = "ifeo-known-debugger", technique = "T1546.012", severity = "low", weight = 2,
  message = "Image File Execution Options Debugger naming a known debugger or replacement (Process Explorer)",
  match = function(row, ctx)
    if row.location ~= "ifeo-debugger" or not row.command then return nil end
    local f = ctx.facts(row)
    local target = (row.target or ""):lower()
    if ACCESSIBILITY[target] then return nil end
    local k = known_debugger(target, f)
    if not k or k.stock then return nil end
    return evidence(row, { role = "debugger", raw = f.binary_raw, normalized = f.binary }, { target = row.target, known = k.note })
  end,
}

rule {
  id = "silent-process-exit", technique = "T1546.012", severity = "high", weight = 6,
  message = "SilentProcessExit MonitorProcess: a program runs whenever the target exits",
  match = function(row, ctx)
    if row.location ~= "silent-process-exit" or not row.command then return nil end
    local f = ctx.facts(row)
    local armed = type(row.global_flag) == "number" and row.global_flag & 0x200 ~= 0
    local e = evidence(row, { role = "monitor", raw = f.binary_raw, normalized = f.binary },
      { target = row.target, global_flag = row.global_flag, armed = armed })
    if armed then return e end
    return e, "medium"
  end,
}

rule {
  id = "appinit-dlls", technique = "T1546.010", severity = "high", weight = 6,
  message = "AppInit_DLLs: a DLL loaded into every process that loads user32.dll",
  match = function(row, ctx)
    if row.location ~= "appinit-dlls" or not row.command then return nil end
    local f = ctx.facts(row)
    if row.load_appinit_dlls ~= 1 then return nil end
    return evidence(row, { role = "dll", raw = f.binary_raw, normalized = f.binary },
      { load_appinit_dlls = row.load_appinit_dlls })
  end,
}

rule {
  id = "appinit-dlls-dormant", technique = "T1546.010", severity = "low", weight = 2,
  message = "AppInit_DLLs lists a DLL while LoadAppInit_DLLs is off: loaded once someone turns it on",
  match = function(row, ctx)
    if row.location ~= "appinit-dlls" or not row.command or row.load_appinit_dlls == 1 then return nil end
    local f = ctx.facts(row)
    return evidence(row, { role = "dll", raw = f.binary_raw, normalized = f.binary },
      { load_appinit_dlls = row.load_appinit_dlls })
  end,
}

rule {
  id = "appcert-dlls", technique = "T1546.009", severity = "high", weight = 6,
  message = "AppCertDlls: a DLL loaded into every process that creates a process",
  match = function(row, ctx)
    if row.location ~= "appcert-dlls" or not row.command then return nil end
    local f = ctx.facts(row)
    return evidence(row, { role = "dll", raw = f.binary_raw, normalized = f.binary })
  end,
}

rule {
  id = "winlogon-nonstock", technique = "T1547.004", severity = "high", weight = 6,
  message = "Winlogon Shell or Userinit runs a program other than Windows' own",
  match = function(row, ctx)
    local stock = WINLOGON_STOCK[row.location]
    if not stock or not row.command then return nil end
    local f = ctx.facts(row)
    if f.binary and stock[f.binary] and (f.arguments or "") == "" then return nil end
    local expected = {}
    for p in pairs(stock) do expected[#expected + 1] = p end
    table.sort(expected)
    return evidence(row, { role = "program", raw = f.binary_raw, normalized = f.binary },
      { expected = expected, element = row.element, elements = row.elements })
  end,
}

rule {
  id = "boot-execute-nonstock", technique = "T1547.001", severity = "high", weight = 6,
  message = "native program run by the Session Manager at boot, beyond the disk check",
  match = function(row, ctx)
    local loc = LOCATIONS[row.location]
    if not loc or loc.how ~= "native" or not row.command then return nil end
    local low = paths.trim(row.command):lower()
    for _, s in ipairs(BOOT_STOCK) do
      if low:find(s.pattern) then return nil end
    end
    local f = ctx.facts(row)
    return evidence(row, { role = "program", raw = f.binary_raw, normalized = f.binary }, { expected = "autocheck autochk *" })
  end,
}

rule {
  id = "lsa-package-nonstock", technique = LOCATION, severity = "high", weight = 6,
  message = "LSA package or password filter that is not one of Windows' own",
  match = function(row, ctx)
    local list = LSA_LIST[row.location]
    if not list or not row.command then return nil end
    local f = ctx.facts(row)
    if f.package and LSA_STOCK[list][f.package] and (f.binary == nil or paths.is_under(f.binary, SYSTEM32)) then
      return nil
    end
    return evidence(row, { role = "package", raw = f.binary_raw, normalized = f.binary }, { package = row.command, list = list })
  end,
}

rule {
  id = "dll-outside-system32", technique = LOCATION, severity = "high", weight = 6,
  message = "DLL loaded by a system component from outside System32",
  match = function(row, ctx)
    local sev = DLL_OUTSIDE[row.location]
    if not sev then return nil end
    local f = ctx.facts(row)
    if not f.binary or under_any(f.binary, SYSTEM_DIRS) then return nil end
    return evidence(row, { role = "dll", raw = f.binary_raw, normalized = f.binary }, { expected = SYSTEM32 }), sev
  end,
}

rule {
  id = "network-provider-nonstock", technique = "T1556.008", severity = "medium", weight = 4,
  message = "network provider that is not one of Windows' own: it sees every logon's password",
  match = function(row, ctx)
    if row.location ~= "network-provider" or not row.command then return nil end
    local name = paths.trim(row.command):lower()
    if NETWORK_PROVIDER_STOCK[name] then return nil end
    local f = ctx.facts(row)
    return evidence(row, { role = "provider dll", raw = f.binary_raw, normalized = f.binary }, { provider = row.command })
  end,
}

rule {
  id = "startup-folder-redirected", technique = "T1547.001", severity = "high", weight = 6,
  message = "the user's Startup folder points away from their profile's Start Menu",
  match = function(row, ctx)
    if row.location ~= "startup-folder" or not row.command then return nil end
    local f = ctx.facts(row)
    local p = f.folder
    local stock = p and p:find("\\start menu\\programs\\startup$") ~= nil
    local name = p and profile_of(p)
    if stock and name and own_profile(row, name) then return nil end
    local e = { command = row.command, normalized = p, expected = [[%USERPROFILE%\...\Start Menu\Programs\Startup]] }
    -- folder redirection to a file server keeps the Start Menu's shape
    if stock and p:sub(1, 2) == "\\\\" then return e, "medium" end
    return e
  end,
}

rule {
  id = "rare-location", technique = LOCATION, severity = "medium", weight = 4,
  message = "entry in an autostart location Windows leaves empty and software rarely uses",
  match = function(row, ctx)
    local why = RARE_LOCATIONS[row.location]
    if not why or not row.command then return nil end
    if WINLOGON_STOCK[row.location] then
      local f = ctx.facts(row)
      if f.binary and WINLOGON_STOCK[row.location][f.binary] then return nil end
    end
    return { command = row.command, location = row.location, why = why }
  end,
}

rule {
  id = "path-user-writable", technique = LOCATION, severity = "high", weight = 6,
  message = "autostart program in a user-writable directory (temp, Public, another user's profile, or a machine-wide entry into a profile)",
  match = function(row, ctx)
    local f = ctx.facts(row)
    for _, c in ipairs(candidates(f)) do
      local d = under_any(c.normalized, USER_WRITABLE)
      if d and not under_any(c.normalized, PROGRAMDATA) then
        local name, within = profile_of(c.normalized)
        -- a user's own programs in their own profile: path-user-profile's
        if not (name and f.per_user and own_profile(row, name) and not temp_within(within)) then
          return evidence(row, c, { matched = d, profile = name, within = within })
        end
      end
    end
    return nil
  end,
}

rule {
  id = "path-user-profile", technique = LOCATION, severity = "low", weight = 2,
  message = "per-user autostart program in the user's own profile (normal for per-user installs)",
  match = function(row, ctx)
    local f = ctx.facts(row)
    if not f.per_user then return nil end
    for _, c in ipairs(candidates(f)) do
      local name, within = profile_of(c.normalized)
      if name and own_profile(row, name) and not temp_within(within) then
        local e = evidence(row, c, { profile = name, within = within })
        -- AppData is where per-user installs go; Desktop, Downloads and
        -- Documents are where people save what they were sent
        if not (within:find("^appdata\\") or within:find("^application data\\") or within:find("^local settings\\application data\\")) then
          return e, "medium"
        end
        return e
      end
    end
    return nil
  end,
}

rule {
  id = "path-programdata", technique = LOCATION, severity = "low", weight = 2,
  message = "autostart program under ProgramData",
  match = function(row, ctx)
    for _, c in ipairs(candidates(ctx.facts(row))) do
      local d = under_any(c.normalized, PROGRAMDATA)
      if d then return evidence(row, c, { matched = d }) end
    end
    return nil
  end,
}

local function in_home(p, homes)
  local dir = paths.dir(p)
  for _, h in ipairs(homes) do
    local below = h:match("^(.*)\\%*$")
    if below then
      if paths.is_under(p, below) then return true end
    elseif dir == h then
      return true
    end
  end
  return false
end

rule {
  id = "binary-impersonation", technique = LOCATION, severity = "high", weight = 6,
  message = "autostart program named like a Windows system file outside its real directory",
  match = function(row, ctx)
    for _, c in ipairs(candidates(ctx.facts(row))) do
      local base = paths.basename(c.normalized)
      local homes = SYSTEM_BINARIES[base]
      -- a bare name is found on the search path: only a written directory counts
      if homes and c.raw and c.raw:find("[\\/]") and not in_home(c.normalized, homes) then
        return evidence(row, c, { imitates = base, expected = homes })
      end
    end
    return nil
  end,
}

rule {
  id = "interpreter-command", technique = LOCATION, severity = "medium", weight = 4,
  message = "autostart runs an interpreter, a script or a living-off-the-land binary",
  match = function(row, ctx)
    local f = ctx.facts(row)
    if not f.binary then return nil end
    local kind = f.interpreter
    local ext = paths.extension(f.binary)
    if not kind and not commands.SCRIPT_EXT[ext or ""] then return nil end
    local e = evidence(row, { role = "program", raw = f.binary_raw, normalized = f.binary },
      { interpreter = kind or "script", payload = f.payload, markers = f.markers, url = f.url, scriptlet = f.scriptlet })
    if f.url or f.scriptlet then return e, "high" end
    if kind == "powershell" or kind == "cmd" then
      return e, f.markers and "high" or "medium"
    elseif kind == "rundll32" or kind == "regsvr32" then
      -- a system DLL through rundll32 is how Windows itself starts things
      if not f.payload or under_any(f.payload, SYSTEM_DIRS) then return nil end
      return e, under_any(f.payload, PROGRAM_FILES) and "medium" or "high"
    elseif kind == "script host" or not kind then
      local script = kind and f.payload or f.binary
      return e, (script and under_any(script, PROGRAM_FILES)) and "medium" or "high"
    elseif kind == "mshta" or kind == "bitsadmin" or kind == "certutil" or kind == "wmic" or kind == "installutil"
        or kind == "regasm" or kind == "regsvcs" or kind == "msbuild" or kind == "forfiles" then
      return e, "high"
    end
    return e   -- python, java, node, wsl: developers' tools, medium
  end,
}

rule {
  id = "name-random", technique = LOCATION, severity = "low", weight = 2,
  message = "autostart program or value name looks generated",
  match = function(row, ctx)
    local f = ctx.facts(row)
    if f.binary and not under_any(f.binary, SYSTEM_DIRS) then
      local stem = paths.basename(f.binary):gsub("%.[^%.]*$", "")
      local why = services.random_reason(stem)
      if why then return evidence(row, { role = "program", raw = f.binary_raw, normalized = f.binary }, { name = stem, reason = why }) end
    end
    return nil
  end,
}

-- Time and baseline -------------------------------------------------------

local function bound(v, name)
  if v == nil or type(v) == "number" then return v end
  local t, err = time.parse(v)
  if not t then error("lastwrite-in-window: --" .. name .. ": " .. err, 0) end
  return t
end

-- A SYSTEM row of a control set other than the current one: a copy, judged
-- once (through the current set) by the time and baseline rules.
local function other_set(row)
  return row.control_set ~= nil and row.current == false
end

rule {
  id = "lastwrite-in-window", technique = LOCATION, severity = "low", weight = 2,
  message = "autostart key written inside the given time window",
  evaluate = function(input, ctx)
    local since, till = bound(input.since, "since"), bound(input["until"], "until")
    if since == nil and till == nil then return {} end
    local hits = {}
    for _, row in ipairs(input.rows or {}) do
      local t = row.last_write_epoch
      if t and not other_set(row) and (since == nil or t >= since) and (till == nil or t <= till) then
        hits[#hits + 1] = { row = row, evidence = { last_write = row.last_write, since = input.since, ["until"] = input["until"] } }
      end
    end
    return hits
  end,
}

-- An entry's place, the same on the analysed and the golden host: hive kind,
-- location, key (below its control set), value, target; not the user (a
-- golden profile has another name).
local function place(row)
  local key = (row.key or ""):gsub("^[Cc][Oo][Nn][Tt][Rr][Oo][Ll][Ss][Ee][Tt]%d%d%d\\", "")
  return table.concat({ row.hive_kind or "", row.location or "", key:lower(), (row.value or ""):lower(),
    (row.target or ""):lower() }, "|")
end

local function index(rows)
  local by = {}
  for _, row in ipairs(rows or {}) do
    if not other_set(row) then
      local p = place(row)
      local t = by[p]
      if not t then t = { commands = {}, rows = {} }; by[p] = t end
      t.commands[(row.command or ""):lower()] = true
      t.rows[#t.rows + 1] = row
    end
  end
  return by
end

local function baseline_rule(id, severity, message, pick)
  return {
    id = id, technique = LOCATION, severity = severity, message = message,
    evaluate = function(input, ctx)
      local base = input.baseline
      if type(base) ~= "table" or type(base.rows) ~= "table" then return {} end
      return pick(index(input.rows), index(base.rows))
    end,
  }
end

rules[#rules + 1] = baseline_rule("baseline-added", "medium", "autostart entry absent from the baseline host",
  function(now, base)
    local hits = {}
    for p, t in pairs(now) do
      if not base[p] then
        for _, row in ipairs(t.rows) do hits[#hits + 1] = { row = row, evidence = { command = row.command } } end
      elseif #t.rows > 1 or #base[p].rows > 1 then
        -- list values: each element the baseline does not hold is an addition
        for _, row in ipairs(t.rows) do
          if not base[p].commands[(row.command or ""):lower()] then
            hits[#hits + 1] = { row = row, evidence = { command = row.command, list = true } }
          end
        end
      end
    end
    return hits
  end)

rules[#rules + 1] = baseline_rule("baseline-changed", "medium", "autostart entry runs something else than on the baseline host",
  function(now, base)
    local hits = {}
    for p, t in pairs(now) do
      local b = base[p]
      if b and #t.rows == 1 and #b.rows == 1 and (t.rows[1].command or ""):lower() ~= (b.rows[1].command or ""):lower() then
        hits[#hits + 1] = { row = t.rows[1], evidence = { command = t.rows[1].command, baseline = b.rows[1].command } }
      end
    end
    return hits
  end)

rules[#rules + 1] = baseline_rule("baseline-removed", "low", "autostart entry of the baseline host is gone",
  function(now, base)
    local hits = {}
    for p, t in pairs(base) do
      if not now[p] then
        for _, row in ipairs(t.rows) do hits[#hits + 1] = { row = row, evidence = { baseline = row.command } } end
      end
    end
    return hits
  end)

-- Policy -------------------------------------------------------------------

-- Every row gets what it starts (binary, arguments) before the rules run.
local function prepare(input, ctx)
  for _, row in ipairs(input.rows or {}) do
    local f = ctx.facts(row)
    row.binary = f.binary
    row.arguments = f.arguments ~= "" and f.arguments or nil
  end
end

local FINDING_FIELDS = {
  "hive", "hive_kind", "user", "key", "value", "target", "location", "command", "binary", "arguments",
  "last_write", "control_set", "current", "element",
}

return policy.new {
  name = "autoruns",
  description = "registry autostart entries beyond services: Run keys, Winlogon, IFEO debuggers, "
    .. "AppInit/AppCert DLLs, LSA packages, print monitors, network and time providers, BootExecute",
  categories = { "persistence", "privilege-escalation", "credential-access" },
  hives = { "SYSTEM", "SOFTWARE", "NTUSER" },
  rules = rules,
  allow = ALLOW,
  prepare = prepare,
  facts = function(row) return entry_facts(row) end,
  finding_fields = FINDING_FIELDS,
  timestamp_desc = "Autostart key LastWrite",
  technique_of = function(row, rule, hit)
    local e = hit.evidence
    if type(e) == "table" and type(e.technique) == "string" then return e.technique end
    if rule.technique == LOCATION then return row.technique or "T1547" end
    return rule.technique
  end,
  exports = {
    data = {
      LOCATIONS = LOCATIONS, RARE_LOCATIONS = RARE_LOCATIONS, WINLOGON_STOCK = WINLOGON_STOCK,
      BOOT_STOCK = BOOT_STOCK, LSA_STOCK = LSA_STOCK, NETWORK_PROVIDER_STOCK = NETWORK_PROVIDER_STOCK,
      KNOWN_DEBUGGERS = KNOWN_DEBUGGERS, ACCESSIBILITY = ACCESSIBILITY, DLL_OUTSIDE = DLL_OUTSIDE, ALLOW = ALLOW,
    },
    entry_facts = entry_facts,
  },
}
