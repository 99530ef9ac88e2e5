-- services: the shipped policy for Windows service persistence
-- (ATT&CK T1543.003, and T1574.009 for unquoted service paths).
--
-- Input: the rows of the services plugin (one per service per control set),
-- optional svchost groups from SOFTWARE and an optional baseline. Output:
-- findings, worst first. Every rule judges the normalised path (hh.paths) and
-- reports the raw value next to it.
--
-- Scoring (hh.policy): a row's score is the sum of the weights of the
-- independent facts its rules found (allowlisted hits do not count): rules
-- that judge the same fact (rule.fact: the location of one file, the name,
-- the svchost group, the write time) count once, at the largest weight.
-- Each finding's severity is the higher of its rule's (or that hit's)
-- severity and the score's band: 2 low, 4 medium, 8 high, 12 critical. A
-- soft signal alone stays low; two strong independent ones (weight 6) make
-- critical. evidence.score_facts shows the sum on a row with several hits.
--
-- Extend it from a local file instead of editing it:
--   local services = require "services"
--   local mine = services.extend { rules = {...}, disable = {...}, weights = {...}, allow = {...} }
--   return mine
-- or drop rules for one run: --arg services.disable=name-random,unquoted-path
--
-- Runs in the host's sandbox: base, string, table, math and utf8 only.

local paths = require "hh.paths"
local policy = require "hh.policy"
local inbox = require "hh.inbox"
local commands = require "hh.commands"

local T_SERVICE = "T1543.003"
local T_UNQUOTED = "T1574.009"

local SYSTEM32 = paths.SYSTEM32
local SYSWOW64 = paths.WINDOWS .. "\\syswow64"
local DRIVERS = paths.DRIVERS

-- Data ---------------------------------------------------------------------
-- Everything an analyst may want to read or tune is a table here, not code.

-- Directory classes, interpreters and command markers are shared with the
-- other policies that read command lines (hh.commands).
local USER_WRITABLE = commands.USER_WRITABLE
local PROGRAMDATA = commands.PROGRAMDATA

-- Where a svchost-hosted ServiceDll normally lives (and where Windows keeps
-- the system binaries that near-miss names imitate).
local SVCHOST_DLL_HOMES = { SYSTEM32, SYSWOW64 }

-- Accounts a service normally runs as (lowercase; hh.inbox keeps the list).
-- Virtual service accounts (NT SERVICE\<name>) are accepted by prefix.
local STANDARD_ACCOUNTS = inbox.SERVICE_ACCOUNTS

-- System binaries malware names itself after, and the directories each
-- really sits in (directly; a trailing "\*" means anywhere below).
local SYSTEM_BINARIES = {
  ["svchost.exe"] = { SYSTEM32, SYSWOW64 },
  ["lsass.exe"] = { SYSTEM32 },
  ["services.exe"] = { SYSTEM32 },
  ["csrss.exe"] = { SYSTEM32 },
  ["smss.exe"] = { SYSTEM32 },
  ["wininit.exe"] = { SYSTEM32 },
  ["winlogon.exe"] = { SYSTEM32 },
  ["lsm.exe"] = { SYSTEM32 },
  ["userinit.exe"] = { SYSTEM32, SYSWOW64 },
  ["explorer.exe"] = { paths.WINDOWS, SYSWOW64 },
  ["spoolsv.exe"] = { SYSTEM32 },
  ["taskhost.exe"] = { SYSTEM32 },
  ["taskhostw.exe"] = { SYSTEM32 },
  ["taskeng.exe"] = { SYSTEM32, SYSWOW64 },
  ["conhost.exe"] = { SYSTEM32 },
  ["dllhost.exe"] = { SYSTEM32, SYSWOW64 },
  ["rundll32.exe"] = { SYSTEM32, SYSWOW64 },
  ["regsvr32.exe"] = { SYSTEM32, SYSWOW64 },
  ["cmd.exe"] = { SYSTEM32, SYSWOW64 },
  ["ctfmon.exe"] = { SYSTEM32, SYSWOW64 },
  ["dwm.exe"] = { SYSTEM32 },
  ["sihost.exe"] = { SYSTEM32 },
  ["runtimebroker.exe"] = { SYSTEM32 },
  ["audiodg.exe"] = { SYSTEM32 },
  ["searchindexer.exe"] = { SYSTEM32, SYSWOW64 },
  ["msdtc.exe"] = { SYSTEM32, SYSWOW64 },
  ["wuauclt.exe"] = { SYSTEM32 },
  ["taskmgr.exe"] = { SYSTEM32, SYSWOW64 },
  ["alg.exe"] = { SYSTEM32 },
  ["wmiprvse.exe"] = { SYSTEM32 .. "\\wbem", SYSWOW64 .. "\\wbem" },
  ["powershell.exe"] = { SYSTEM32 .. "\\windowspowershell\\v1.0", SYSWOW64 .. "\\windowspowershell\\v1.0" },
  ["msmpeng.exe"] = {
    [[c:\program files\windows defender]],
    [[c:\programdata\microsoft\windows defender\platform\*]],
    [[c:\program files\microsoft security client]],
  },
}

local INTERPRETERS = commands.INTERPRETERS
local SCRIPT_EXT = commands.SCRIPT_EXT
local COMMAND_MARKERS = commands.COMMAND_MARKERS

-- Security products' services (lowercase key name -> product). Start=4 on
-- one of these is defence evasion.
local SECURITY_SERVICES = {
  windefend = "Microsoft Defender Antivirus", wdnissvc = "Microsoft Defender Network Inspection",
  wdnisdrv = "Microsoft Defender Network Inspection driver", wdfilter = "Microsoft Defender filter driver",
  wdboot = "Microsoft Defender boot driver", sense = "Microsoft Defender for Endpoint",
  securityhealthservice = "Windows Security Health", wscsvc = "Windows Security Center",
  msmpsvc = "Microsoft Security Essentials", nissrv = "Microsoft Security Essentials NIS",
  mpssvc = "Windows Firewall", mpsdrv = "Windows Firewall driver", bfe = "Base Filtering Engine",
  eventlog = "Windows Event Log",
  sysmon = "Sysmon", sysmon64 = "Sysmon", sysmondrv = "Sysmon driver",
  csagent = "CrowdStrike Falcon", csfalconservice = "CrowdStrike Falcon",
  sentinelagent = "SentinelOne", sentinelmonitor = "SentinelOne",
  cylancesvc = "Cylance", sepmasterservice = "Symantec Endpoint Protection",
  mcshield = "McAfee", mfefire = "McAfee Firewall", mfemms = "McAfee", mfevtp = "McAfee",
  masvc = "McAfee Agent", mcafeeframework = "McAfee Framework",
  ekrn = "ESET", avp = "Kaspersky", cbdefense = "Carbon Black", carbonblack = "Carbon Black",
  xagt = "FireEye/Trellix HX", savservice = "Sophos", ntrtscan = "Trend Micro",
  tmccsf = "Trend Micro",
}

-- Remote-execution and attack tools that install themselves as a service:
-- Lua patterns on the lowercase service name and binary file name.
local KNOWN_TOOLS = {
  { tool = "PsExec", names = { "^psexesvc" }, files = { "^psexesvc" } },
  { tool = "PAExec", names = { "^paexec" }, files = { "^paexec" } },
  { tool = "RemCom", names = { "^remcomsvc" }, files = { "^remcomsvc" } },
  { tool = "CSExec", names = { "^csexecsvc" }, files = { "^csexecsvc" } },
  { tool = "winexe", names = { "^winexesvc" }, files = { "^winexesvc" } },
  { tool = "xCmd", names = { "^xcmdsvc$" }, files = { "^xcmdsvc" } },
  { tool = "Impacket smbexec", names = { "^btobto$" }, files = {} },
  { tool = "Mimikatz driver", names = { "^mimidrv$" }, files = { "^mimidrv%.sys$" } },
  { tool = "Windows Credentials Editor", names = { "^wceservice$" }, files = { "^wceaux" } },
  { tool = "Process Hacker driver", names = { "^kprocesshacker" }, files = { "^kprocesshacker" } },
  { tool = "PowerTool driver", names = { "^powertool" }, files = { "^powertool" } },
}

-- Legitimate homes and values that trip a rule on stock systems. Each entry
-- is an allow entry (the same shape `extend{allow=}` takes) with a note.
local ALLOW = {
  { rule = "svchost-dll-outside-system32", dir = [[c:\program files\windows defender]],
    note = "Windows 7/8 WinDefend ServiceDll mpsvc.dll" },
  { rule = "svchost-dll-outside-system32", dir = [[c:\program files\windows defender advanced threat protection]],
    note = "Defender for Endpoint components" },
  { rule = "svchost-dll-outside-system32", dir = [[c:\windows\pchealth\helpctr\binaries]],
    note = "Windows XP Help and Support (helpsvc) pchsvc.dll" },
  { rule = "path-programdata", dir = [[c:\programdata\microsoft\windows defender\platform]],
    note = "Defender platform updates move MsMpEng/NisSrv here (Windows 10+)" },
  { rule = "path-programdata", dir = [[c:\programdata\microsoft\windows defender\definition updates]],
    note = "Defender's per-update kernel driver (MpKsl*.sys)" },
  { rule = "path-programdata", dir = [[c:\programdata\microsoft\windows defender advanced threat protection\platform]],
    note = "Defender for Endpoint platform updates" },
  { rule = "driver-outside-drivers", dir = [[c:\programdata\microsoft\windows defender\definition updates]],
    note = "Defender's per-update kernel driver (MpKsl*.sys)" },
  { rule = "name-random", dir = [[c:\programdata\microsoft\windows defender\definition updates]],
    note = "Defender's per-update kernel driver is named MpKsl<hex>" },
  { rule = "driver-outside-drivers", dir = [[c:\windows\system32\driverstore\filerepository]],
    note = "drivers loaded in place from the driver store (Windows 10+)" },
  { rule = "name-random", dir = [[c:\windows\system32\driverstore\filerepository]],
    note = "signed driver packages with terse vendor names (nvlddmkm)" },
  { rule = "driver-outside-drivers", path = [[^c:\windows\system32\clfs%.sys$]],
    note = "Common Log File System driver lives in System32 (Vista+)" },
  { rule = "driver-outside-drivers", dir = [[c:\program files\vmware\vmware tools]],
    note = "VMware Tools drivers load from its install directory" },
  { rule = "driver-outside-drivers", dir = [[c:\program files\common files\vmware\drivers]],
    note = "VMware Tools drivers" },
  { rule = "failure-command", path = [[^c:\windows\system32\mrt%.exe$]],
    note = "Defender's recovery runs the Malicious Software Removal Tool" },
  { rule = "failure-command", path = [[^c:\windows\system32\spectrum%.exe$]],
    note = "Windows Perception service recovery" },
  { rule = "failure-command", path = [[^c:\windows\system32\customscript%.cmd$]],
    note = "stock placeholder FailureCommand of Windows 7 services (MSiSCSI, WPCSvc)" },
  { rule = "failure-command", service = "WEPHOSTSVC", path = [[^c:\windows\system32\not%.exe$]],
    note = "stock placeholder FailureCommand 'not used' (WEPHOSTSVC)" },
  { rule = "failure-command", path = [[^c:\windows\nvcontainerrecovery%.bat$]],
    note = "NVIDIA container recovery script" },
}

local canonical = commands.canonical
canonical(SVCHOST_DLL_HOMES)
for _, homes in pairs(SYSTEM_BINARIES) do canonical(homes) end

-- Helpers ------------------------------------------------------------------

local function lower(s) return type(s) == "string" and s:lower() or nil end

-- Per-run memos of pure functions of a string (path splitting and
-- normalising, directory tests, the name test): many services share a
-- binary (svchost.exe above all) and rules ask about the same paths again.
-- prepare() empties them when a run starts, so a change to hh.paths' tables
-- or to the data lists here between runs is seen.
local memo
local function memo_reset()
  memo = {
    program = { [true] = {}, [false] = {} },                         -- programs
    base = {}, dirs = {}, parents = {},                              -- file names, directories
    under = {},                                                      -- list -> path -> listed dir
    svchost = {}, accounts = {}, random = {}, stems = {},            -- svchost args, accounts, names
  }
end
memo_reset()

-- f(x), memoised per run in memo[store] (nil results kept as false); nil
-- for a nil x.
local function once(store, f)
  return function(x)
    if x == nil then return nil end
    local t = memo[store]
    local v = t[x]
    if v == nil then
      v = f(x) or false
      t[x] = v
    end
    return v or nil
  end
end

-- A path's parent (up to its last backslash; the leading runs of p's
-- components are its parent's and p itself) and its file name (as
-- paths.basename), found with one scan and memoised per run: svchost.exe's
-- path alone comes with every shared-process service.
local function split_last(p)
  local sep = p:match("^.*()\\")
  memo.parents[p] = sep and p:sub(1, sep - 1) or false
  memo.base[p] = sep and p:sub(sep + 1) or p
end

local function basename_once(p)
  local b = memo.base[p]
  if b == nil then
    split_last(p)
    b = memo.base[p]
  end
  return b
end

-- nil when p has no backslash
local function parent_of(p)
  local parent = memo.parents[p]
  if parent == nil then
    split_last(p)
    parent = memo.parents[p]
  end
  return parent or nil
end

-- Directory lists as sets, for under_any (the lists are module constants):
-- the entries, the leading runs of their components that lead towards one
-- ("c:", "c:\windows", ...), and the depth of the deepest entry.
local DIR_SETS = {}
local function dir_set(dirs)
  local set = DIR_SETS[dirs]
  if not set then
    set = { depth = 0, dirs = {}, toward = {} }
    for _, d in ipairs(dirs) do
      set.dirs[d] = true
      local n, pos = 1, 1
      while true do
        local sep = d:find("\\", pos, true)
        if not sep then break end
        set.toward[d:sub(1, sep - 1)] = true
        n, pos = n + 1, sep + 1
      end
      if n > set.depth then set.depth = n end
    end
    DIR_SETS[dirs] = set
  end
  return set
end

-- The directory of dirs that canonical path p lies in (or is), or nil:
-- looks up each leading run of p's components in a set, shortest first,
-- and stops where no entry lies further down that way, so the cost follows
-- the list's depth and not the length of p (hostile paths hold thousands of
-- components).
local function find_under(p, set)
  local pos = 1
  for _ = 1, set.depth do
    local sep = p:find("\\", pos, true)
    local prefix = sep and p:sub(1, sep - 1) or p
    if set.dirs[prefix] then return prefix end
    if not sep or not set.toward[prefix] then return nil end
    pos = sep + 1
  end
  return nil
end

-- find_under, memoised per run: rules ask about the same paths again, and
-- files share directories. A path is under what its parent is under, or is
-- a listed directory itself: a walk that stopped early or at the depth
-- limit could not have reached a listed p either, so only the parents (few:
-- System32, its drivers, a vendor's folder) are walked.
local function under_any(p, dirs)
  if p == nil then return nil end
  local found = memo.under[dirs]
  if not found then
    found = {}
    memo.under[dirs] = found
  end
  local d = found[p]
  if d == nil then
    local set = dir_set(dirs)
    local parent = parent_of(p)
    if parent then
      d = found[parent]
      if d == nil then
        d = find_under(parent, set) or false
        found[parent] = d
      end
    else
      d = false
    end
    if not d and set.dirs[p] then d = p end
    found[p] = d
  end
  return d or nil
end

-- Type bits (SERVICE_KERNEL_DRIVER 0x1, FILE_SYSTEM_DRIVER 0x2, ADAPTER 0x4,
-- RECOGNIZER 0x8, WIN32_OWN 0x10, WIN32_SHARE 0x20, USER_SERVICE 0x40,
-- USERSERVICE_INSTANCE 0x80), from the number or, failing that, the name.
local TYPE_NAME_BITS = {
  kernel_driver = 0x1, filesystem_driver = 0x2, adapter = 0x4, recognizer_driver = 0x8,
  own_process = 0x10, share_process = 0x20, user_own_process = 0x50, user_share_process = 0x60,
}
local function type_bits(row)
  if math.type(row.type) == "integer" then return row.type end
  return TYPE_NAME_BITS[row.type_name] or 0
end

local interpreter_payload = commands.interpreter_payload

-- paths.dir, memoised per run (svchost.exe's directory is asked for by
-- every svchost-hosted service), from the parent split_last keeps: a
-- drive's root keeps its backslash, as paths.dir's does.
local dir_of = once("dirs", function(p)
  local parent = parent_of(p)
  if parent and parent:match("^%a:$") then return parent .. "\\" end
  return parent
end)

-- Whether normalised path p sits in one of a SYSTEM_BINARIES home list.
local function in_home(p, homes)
  for _, h in ipairs(homes) do
    local below = h:match("^(.*)\\%*$")
    if below then
      if paths.is_under(p, below) then return true end
    elseif dir_of(p) == h then
      return true
    end
  end
  return false
end

-- Per-user service instances are named <template>_<hex LUID>.
local function user_instance_base(name, bits, templates)
  local base = name:find("_", 1, true) and name:match("^(.+)_%x+$")
  if not base then return nil end
  if bits & 0x80 ~= 0 or templates[base:lower()] then return base end
  return nil
end

-- The file a command line's program part names. The SCM's CreateProcess
-- finds a bare name via System32 first and appends ".exe" to a name without
-- an extension; the kernel loads a bare driver name from the Windows
-- directory as it is.
local function program_path(raw, driver)
  if raw == nil then return nil end
  local p = paths.normalize(raw, driver and paths.WINDOWS or SYSTEM32)
  -- (paths.extension's test, on the memoised file name)
  if p and not driver and not basename_once(p):find("%.[^%.]+$") then p = p .. ".exe" end
  return p
end

local function program_path_once(raw, driver)
  if raw == nil then return nil end
  local t = memo.program[driver and true or false]
  local p = t[raw]
  if p == nil then
    p = program_path(raw, driver) or false
    t[raw] = p
  end
  return p or nil
end

-- The parsed svchost arguments of a command line's argument string,
-- memoised per run ("-k netsvcs" is shared by dozens of services). Read only.
local svchost_args_once = once("svchost", function(args) return paths.svchost_args(args) end)

-- Facts derived once per row and shared by every rule (ctx.facts(row)).
-- Built as locals and then one table constructor, which sizes the table
-- once instead of growing it field by field.
local function facts(row, ctx)
  local bits = type_bits(row)
  -- kernel, file-system and recognizer drivers are loaded by the kernel
  local driver = bits & 0x0B ~= 0
  local binary_raw, args = paths.split_command(row.image_path)
  local binary = program_path_once(binary_raw, driver)
  local binary_name = binary and basename_once(binary)
  local svchost = binary_name == "svchost.exe" or row.svchost_group ~= nil
  local svchost_group
  if svchost then
    local sa = svchost_args_once(args)
    svchost_group = row.svchost_group or (sa and sa.group)
  end
  local interpreter = binary_name and INTERPRETERS[binary_name]
  local payload_raw, payload
  if interpreter then
    payload_raw = interpreter_payload(interpreter, args)
    payload = payload_raw and paths.normalize(payload_raw, SYSTEM32)
  end
  return {
    bits = bits,
    driver = driver,
    binary_raw = binary_raw,
    args = args,
    binary = binary,
    dll_raw = row.service_dll,
    dll = row.service_dll and paths.normalize(row.service_dll, SYSTEM32),
    binary_name = binary_name,
    svchost = svchost,
    svchost_group = svchost_group,
    shared = bits & 0x20 ~= 0 or svchost,
    interpreter = interpreter,
    payload_raw = payload_raw,
    payload = payload,
    instance_base = type(row.name) == "string" and user_instance_base(row.name, bits, ctx.user_templates or {}),
    defined = row.image_path ~= nil or row.type ~= nil or row.service_dll ~= nil,
  }
end

-- Whether two values of a facts input are the same: same type and value,
-- and for numbers the same subtype (Type 32 and 32.0 read differently).
local function same_value(x, y)
  return x == y and (type(x) ~= "number" or math.type(x) == math.type(y))
end

-- Whether two rows hold the same facts inputs: the row fields facts() reads.
local function same_inputs(a, b)
  return same_value(a.name, b.name) and same_value(a.type, b.type) and same_value(a.type_name, b.type_name)
    and same_value(a.image_path, b.image_path) and same_value(a.service_dll, b.service_dll)
    and same_value(a.svchost_group, b.svchost_group)
end

-- Rows with the same inputs share one facts table (read-only to rules): the
-- control sets are near-copies of each other, so each distinct service is
-- normalised once per run, not once per control set. Rows are bucketed by
-- name (a table key needs no string built per row) and compared field by
-- field with the rows already judged under that name.
local NO_NAME = {}
local function shared_facts(row, ctx)
  local by_name = ctx.facts_memo
  if not by_name then
    by_name = {}
    ctx.facts_memo = by_name
  end
  local name = row.name
  if type(name) ~= "string" then name = NO_NAME end
  local bucket = by_name[name]
  if not bucket then
    -- (made with its first pair: a table grown from empty is resized twice)
    local f = facts(row, ctx)
    by_name[name] = { row, f }
    return f
  end
  -- { row, facts, row, facts, ... }: one pair per distinct version of the
  -- service, usually one; past a few (a hive crafted with hundreds of
  -- control sets) a row gets facts of its own rather than a longer scan
  for i = 1, #bucket, 2 do
    if same_inputs(bucket[i], row) then return bucket[i + 1] end
  end
  local f = facts(row, ctx)
  if #bucket < 16 then
    bucket[#bucket + 1] = row
    bucket[#bucket + 1] = f
  end
  return f
end

-- Paths a path rule judges, in order: the program, an interpreter's
-- payload, the ServiceDll. Each with the raw value and where it came from.
-- Kept in f.candidates: the rules that judge paths ask for them in turn.
local function candidates(f)
  if f.candidates then return f.candidates end
  local out = {}
  f.candidates = out
  -- (base, the file name several rules read, is filled in the constructor:
  -- a field added afterwards grows each table)
  if f.binary then
    out[#out + 1] = { field = "image_path", role = "program", raw = f.binary_raw, normalized = f.binary,
                      base = basename_once(f.binary) }
  end
  if f.payload then
    out[#out + 1] = { field = "image_path", role = "interpreter payload", raw = f.payload_raw,
                      normalized = f.payload, base = basename_once(f.payload) }
  end
  if f.dll then
    out[#out + 1] = { field = "service_dll", role = "ServiceDll", raw = f.dll_raw, normalized = f.dll,
                      base = basename_once(f.dll) }
  end
  return out
end

local function path_evidence(c, extra)
  local e = { field = c.field, role = c.role, path = c.raw, normalized = c.normalized }
  for k, v in pairs(extra or {}) do e[k] = v end
  return e
end

-- First candidate path under one of dirs; evidence names the directory.
local function first_under(f, dirs, except)
  local cs = candidates(f)
  for i = 1, #cs do
    local c = cs[i]
    local d = under_any(c.normalized, dirs)
    if d and not (except and under_any(c.normalized, except)) then
      return path_evidence(c, { matched = d })
    end
  end
  return nil
end

-- Randomness of a name ------------------------------------------------------
-- Tools that create services for one-off execution generate names: hex
-- strings (Cobalt Strike), random mixed-case letters (Metasploit, Impacket),
-- GUIDs. Windows' own names are abbreviation soup ("wzcsvc", "nvlddmkm"), so
-- the test looks for what abbreviations do not produce: letter pairs that
-- English and Windows' naming almost never hold, and case that flips inside
-- words. Tuned to fire on about 1% of real Windows service and binary names
-- and on about half of random 8-letter names; a corroborating signal only.

local VOWEL = { a = true, e = true, i = true, o = true, u = true, y = true }

local function rare_pair(a, b)
  if VOWEL[a] or VOWEL[b] then
    return a == "q" and b ~= "u"
  end
  if a == "q" or b == "q" or a == "j" or b == "j" then return true end
  if a == "z" or b == "z" then return not ((a == "t" or a == "w") and b == "z") end
  if a == b and ("vkwhfg"):find(a, 1, true) then return true end
  if a == "v" and not ("cdmsrfbg"):find(b, 1, true) then return true end
  if b == "v" and not ("rsdlmnc"):find(a, 1, true) then return true end
  if a == "k" and not ("sdmnltbwfh"):find(b, 1, true) then return true end
  if b == "k" and not ("cnrlswdpt"):find(a, 1, true) then return true end
  if a == "w" and not ("sdmnrlhftpc"):find(b, 1, true) then return true end
  if a == "g" and ("cfkpvwxbm"):find(b, 1, true) then return true end
  if a == "f" and ("cbdghkmnpvwxz"):find(b, 1, true) then return true end
  if a == "h" and ("bcgjkqxz"):find(b, 1, true) then return true end
  return false
end

-- RARE[byte a][byte b] is true for a rare pair, from rare_pair; a letter's
-- row is worked out the first time a judged name holds that letter (most
-- runs judge few names, and every row costs 26 calls).
local LETTER = {}
for c = 97, 122 do LETTER[c] = string.char(c) end
local RARE = setmetatable({}, { __index = function(rare, a)
  local first = LETTER[a]
  if not first then return nil end
  local followers = {}
  for b = 97, 122 do
    if rare_pair(first, LETTER[b]) then followers[b] = true end
  end
  rare[a] = followers
  return followers
end })

-- Why a name looks generated, or nil.
local function random_reason(name)
  -- (a GUID, with or without its braces, is 36 to 38 characters long)
  if #name >= 36 and #name <= 38
      and name:match("^{?%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x}?$") then
    return "GUID"
  end
  if #name < 6 or not name:match("^[%w]+$") then return nil end
  if name:match("^%x+$") then
    local digits = select(2, name:gsub("%d", ""))
    if digits >= 2 and #name - digits >= 2 then return "hex string" end
  end
  local letters = name:gsub("%d", "")
  if #letters >= 8 then
    local inner = 0
    for _ in name:gmatch("%u%l%f[%U]") do inner = inner + 1 end
    if inner >= 3 then return "case flips inside the name" end
  end
  local low = letters:lower()
  local rare = 0
  local after   -- the rare followers of the previous letter
  -- (the letters fetched 64 at a time: one call rather than one per letter)
  for first = 1, #low, 64 do
    local bytes = { low:byte(first, first + 63) }
    for i = 1, #bytes do
      local b = bytes[i]
      if after and after[b] then rare = rare + 1 end
      after = RARE[b]
    end
  end
  if rare >= 3 or (rare >= 2 and #low >= 6 and rare * 4 >= #low) then
    return "unpronounceable letter pairs (" .. rare .. ")"
  end
  return nil
end

-- random_reason, memoised per run: a driver's binary is usually named
-- after its service ("atapi" runs atapi.sys), so most names come twice.
local random_reason_once = once("random", random_reason)

-- A file name without its extension, memoised per run (rows share files).
local stem_once = once("stems", function(base) return (base:gsub("%.[^%.]*$", "")) end)

local one_edit = commands.one_edit

-- (stem, extension, name, stem's bytes) of the system binaries, for the
-- near-miss test.
local SYSTEM_STEMS = {}
for name in pairs(SYSTEM_BINARIES) do
  local stem, ext = name:match("^(.*)%.([^%.]+)$")
  if #stem >= 5 then SYSTEM_STEMS[#SYSTEM_STEMS + 1] = { stem, ext, name, { stem:byte(1, -1) } } end
end
table.sort(SYSTEM_STEMS, function(x, y) return x[3] < y[3] end)

-- The same entries by extension and by the stem lengths one edit can reach
-- (one_edit needs lengths within one of each other): NEAR_STEMS[ext][n] lists,
-- in SYSTEM_STEMS order, the stems a stem of n characters may be a near miss of.
local NEAR_STEMS = {}
for _, s in ipairs(SYSTEM_STEMS) do
  local by_len = NEAR_STEMS[s[2]] or {}
  NEAR_STEMS[s[2]] = by_len
  for n = #s[1] - 1, #s[1] + 1 do
    by_len[n] = by_len[n] or {}
    table.insert(by_len[n], s)
  end
end
local NO_STEMS = {}

-- Rules --------------------------------------------------------------------

-- A facts_only rule judges the row's facts alone (hh.policy then judges
-- rows sharing them once); the runner hands it the facts as f, and a caller
-- that does not still gets them from ctx.
local rules = {}
local function rule(r) rules[#rules + 1] = r end

rule {
  id = "path-user-writable", technique = T_SERVICE, severity = "high", weight = 6,
  message = "service binary in a user-writable directory",
  fact = "location",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    local e = first_under(f, USER_WRITABLE, PROGRAMDATA)
    if e and (e.matched == [[c:\users]] or e.matched == [[c:\documents and settings]]) then
      -- name the profile and where in it, e.g. bob / appdata\local\temp
      local c = paths.components(e.normalized)
      if #c >= 4 then
        e.profile = c[3]
        e.within = table.concat(c, "\\", 4, #c - 1)
      end
    end
    return e
  end,
}

rule {
  id = "path-programdata", technique = T_SERVICE, severity = "low", weight = 2,
  message = "service binary under ProgramData",
  fact = "location",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    return first_under(f, PROGRAMDATA)
  end,
}

rule {
  id = "path-windows-root", technique = T_SERVICE, severity = "medium", weight = 4,
  message = "service binary directly in the Windows directory, not System32",
  fact = "location",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    local cs = candidates(f)
    for i = 1, #cs do
      local c = cs[i]
      if dir_of(c.normalized) == paths.WINDOWS then
        return path_evidence(c, { matched = paths.WINDOWS })
      end
    end
    return nil
  end,
}

rule {
  id = "svchost-dll-outside-system32", technique = T_SERVICE, severity = "high", weight = 6,
  message = "svchost-hosted service whose ServiceDll is outside System32",
  fact = "location",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    if not (f.shared and f.dll) then return nil end
    if under_any(f.dll, SVCHOST_DLL_HOMES) then return nil end
    return { field = "service_dll", path = f.dll_raw, normalized = f.dll,
             source = row.service_dll_source, expected = SYSTEM32 }
  end,
}

-- (one string, not a concatenation per row that asks)
local NO_SVCHOST_GROUPS = "no svchost groups (they come from the SOFTWARE hive's Svchost key, "
  .. "--software): svchost-group-unknown and svchost-group-nonmember skipped"

local function svchost_groups(ctx)
  local sv = ctx.input.svchost
  if type(sv) ~= "table" or type(sv.groups) ~= "table" then
    -- the host names the policy in front of the message
    ctx.warn_once("svchost", NO_SVCHOST_GROUPS)
    return nil
  end
  return ctx.svchost_lower
end

rule {
  id = "svchost-group-unknown", technique = T_SERVICE, severity = "medium", weight = 4,
  message = "svchost -k group absent from SOFTWARE's Svchost key",
  fact = "svchost group",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    if not f.svchost_group then return nil end
    local groups = svchost_groups(ctx)
    if not groups then return nil end
    if groups[f.svchost_group:lower()] then return nil end
    return { group = f.svchost_group, path = row.image_path, known_groups = ctx.svchost_count }
  end,
}

rule {
  id = "svchost-group-nonmember", technique = T_SERVICE, severity = "medium", weight = 4,
  message = "service claims a svchost group that does not list it",
  fact = "svchost group",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    if not f.svchost_group or type(row.name) ~= "string" then return nil end
    local groups = svchost_groups(ctx)
    if not groups then return nil end
    local group = groups[f.svchost_group:lower()]
    if not group then return nil end   -- svchost-group-unknown's case
    if group.members[row.name:lower()] then return nil end
    if f.instance_base and group.members[f.instance_base:lower()] then return nil end
    return { group = f.svchost_group, service = row.name, members = group.count }
  end,
}

-- Whether a run-as account is a built-in service account (or none),
-- memoised per run: most services share a handful of spellings.
local function standard_account(name)
  local std = memo.accounts[name]
  if std == nil then
    std = inbox.standard_account(name)
    memo.accounts[name] = std
  end
  return std
end

rule {
  id = "objectname-nonstandard", technique = T_SERVICE, severity = "low", weight = 2,
  message = "service runs as an account other than the built-in service accounts",
  match = function(row, ctx)
    local account = row.object_name
    if account == nil or type(account) ~= "string" or standard_account(account) then return nil end
    local f = ctx.facts(row)
    if f.driver then return nil end
    local e = { object_name = row.object_name,
                expected = "LocalSystem, NT AUTHORITY\\LocalService, NT AUTHORITY\\NetworkService, NT SERVICE\\*" }
    -- vendors run their services as named accounts (SQL Server, backup
    -- agents); Windows' own services never do
    if under_any(f.binary, SVCHOST_DLL_HOMES) or f.svchost then
      e.windows_service = true
      return e, "medium"
    end
    return e
  end,
}

rule {
  id = "name-random", technique = T_SERVICE, severity = "low", weight = 2,
  message = "service or binary name looks generated",
  fact = "name",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    if not f.defined or type(row.name) ~= "string" then return nil end
    -- Windows' own names (hh.inbox) are abbreviations, not generated
    -- (DXGKrnl, sffdisk, Cpqarray): a Windows service whose files are in
    -- the system directories is not judged at all (vpcbus runs
    -- vpcgbus.sys), and a file stem that is a Windows name is not judged
    local own = inbox.is_windows_name(f.instance_base or row.name)
    if own and not inbox.outside_file(row, f) then return nil end
    local e
    local why = not own and random_reason_once(f.instance_base or row.name)
    if why then
      e = { field = "name", name = row.name, reason = why }
    else
      local cs = candidates(f)
      for i = 1, #cs do
        local c = cs[i]
        local stem = stem_once(c.base)
        if not SYSTEM_BINARIES[c.base] and not inbox.is_windows_name(stem) then
          why = random_reason_once(stem)
          if why then
            e = path_evidence(c, { name = stem, reason = why })
            break
          end
        end
      end
    end
    if not e then return nil end
    -- Windows' own abbreviation soup lives in System32; a generated name
    -- on a binary anywhere else is how one-off execution tools look
    local prog = f.binary or f.dll
    if prog and not under_any(prog, SVCHOST_DLL_HOMES) then
      e.outside_windows_dirs = true
      return e, "medium"
    end
    return e
  end,
}

rule {
  id = "binary-impersonation", technique = T_SERVICE, severity = "high", weight = 6,
  message = "binary named like a Windows system file outside its real directory",
  fact = "name",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    local cs = candidates(f)
    for i = 1, #cs do
      local c = cs[i]
      local base = c.base
      local homes = SYSTEM_BINARIES[base]
      if homes then
        if not in_home(c.normalized, homes) then
          return path_evidence(c, { imitates = base, expected = homes })
        end
      elseif not under_any(c.normalized, SVCHOST_DLL_HOMES) then
        -- near misses: scvhost.exe, svch0st.exe, lsasss.exe
        local stem, ext = base:match("^(.*)%.([^%.]+)$")
        local near = stem and #stem >= 5 and NEAR_STEMS[ext] and NEAR_STEMS[ext][#stem]
        if near then
          local bytes = { stem:byte(1, -1) }   -- short: within one of a system stem's length
          local n = #bytes
          local b1, b2, z1, z2 = bytes[1], bytes[2], bytes[n - 1], bytes[n]
          for _, s in ipairs(near) do
            local sb = s[4]
            local m = #sb
            -- one edit leaves the first two or the last two characters of
            -- names of five or more in place: most are ruled out without a call
            if (sb[1] == b1 and sb[2] == b2 or sb[m - 1] == z1 and sb[m] == z2) and one_edit(bytes, sb) then
              return path_evidence(c, { imitates = s[3], expected = SYSTEM_BINARIES[s[3]], near_miss = true })
            end
          end
        end
      end
    end
    return nil
  end,
}

rule {
  id = "interpreter-command", technique = T_SERVICE, severity = "high", weight = 6,
  message = "service runs a command interpreter, script or encoded command",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    if not f.binary or f.driver then return nil end
    -- (the extension from the file name the facts hold: paths.extension
    -- would find the name again, and an interpreter needs none)
    local kind = f.interpreter
    if not kind then
      local ext = f.binary_name:match("%.([^%.]+)$")
      kind = SCRIPT_EXT[ext and ext:lower() or ""] and "script"
      if not kind then return nil end
    end
    local line = " " .. (row.image_path or ""):lower() .. " "
    local markers = {}
    for _, m in ipairs(COMMAND_MARKERS) do
      if line:find(m, 1, true) then markers[#markers + 1] = (m:gsub("^%s+", ""):gsub("%s+$", "")) end
    end
    return { field = "image_path", path = row.image_path, normalized = f.binary, interpreter = kind,
             payload = f.payload, markers = #markers > 0 and markers or nil }
  end,
}

rule {
  id = "security-service-disabled", technique = "T1562.001", severity = "high", weight = 6,
  message = "security product's service is disabled (Start=4)",
  match = function(row, ctx)
    if row.start ~= 4 or type(row.name) ~= "string" then return nil end
    local product = SECURITY_SERVICES[row.name:lower()]
    if not product then return nil end
    return { service = row.name, product = product, start = row.start }
  end,
}

rule {
  id = "known-tool", technique = T_SERVICE, severity = "medium", weight = 4,
  message = "service of a known remote-execution or attack tool",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    local name = lower(row.name) or ""
    local file = f.binary_name
    local first = ctx.tool_starts
    if first and not first.names[name:sub(1, first.names_len)]
        and not (file and first.files[file:sub(1, first.files_len)]) then
      return nil
    end
    for _, t in ipairs(KNOWN_TOOLS) do
      for _, pat in ipairs(t.names) do
        if name:find(pat) then return { tool = t.tool, matched = row.name, field = "name" } end
      end
      if file then
        for _, pat in ipairs(t.files) do
          if file:find(pat) then
            return { tool = t.tool, matched = file, field = "image_path", path = f.binary_raw, normalized = f.binary }
          end
        end
      end
    end
    return nil
  end,
}

rule {
  id = "unquoted-path", technique = T_UNQUOTED, severity = "medium", weight = 3,
  message = "unquoted ImagePath with spaces before the executable",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    if f.driver or not f.binary_raw or not f.binary then return nil end
    local raw = row.image_path:gsub("^%s+", "")
    if raw:sub(1, 1) == '"' then return nil end
    if not f.binary_raw:find(" ", 1, true) then return nil end
    -- CreateProcess tries each space-delimited prefix (+ .exe) first; the
    -- list is capped so a hostile value cannot make it quadratic
    local hijack = {}
    local pos = 1
    while #hijack < 16 do
      local sp = f.binary_raw:find(" ", pos, true)
      if not sp then break end
      local cand = paths.normalize(f.binary_raw:sub(1, sp - 1))
      if cand and not cand:match("%.exe$") then cand = cand .. ".exe" end
      hijack[#hijack + 1] = cand
      pos = sp + 1
    end
    local e = { field = "image_path", path = row.image_path, normalized = f.binary, hijack_candidates = hijack }
    -- a candidate a user can create turns the weakness into a way in
    for _, h in ipairs(hijack) do
      if under_any(h, USER_WRITABLE) then
        e.writable_candidate = h
        return e, "high"
      end
    end
    return e
  end,
}

rule {
  id = "failure-command", technique = T_SERVICE, severity = "medium", weight = 4,
  message = "service runs a program when it fails (FailureCommand)",
  match = function(row, ctx)
    local cmd = row.failure_command
    if cmd == nil or type(cmd) ~= "string" or cmd:match("^%s*$") then return nil end
    local prog, args = paths.split_command(cmd)
    local norm = program_path(prog, false)
    local e = { field = "failure_command", path = cmd, normalized = norm }
    local kind = norm and INTERPRETERS[paths.basename(norm)]
    if kind then
      e.interpreter = kind
      local p = interpreter_payload(kind, args)
      e.payload = p and paths.normalize(p, SYSTEM32)
    end
    -- a recovery program any user can replace (or an attacker dropped) is
    -- a second fact, not a soft one: the SCM runs it as the service's account
    local writable = under_any(e.payload or norm, USER_WRITABLE)
    if writable and not under_any(e.payload or norm, PROGRAMDATA) then
      e.user_writable = writable
      return e, "high"
    end
    return e
  end,
}

rule {
  id = "driver-outside-drivers", technique = T_SERVICE, severity = "medium", weight = 3,
  message = "kernel or filesystem driver loaded from outside System32\\drivers",
  fact = "location",
  facts_only = true,
  match = function(row, ctx, f)
    f = f or ctx.facts(row)
    if f.bits & 0x3 == 0 or not f.binary then return nil end
    if paths.is_under(f.binary, DRIVERS) then return nil end
    return { field = "image_path", path = row.image_path, normalized = f.binary, expected = DRIVERS }
  end,
}

-- Set rules from sibling modules (baseline and control-set diffs, LastWrite
-- analysis). A module that is not installed is skipped; one that fails to
-- load is an error, never silently fewer rules.
for _, mod in ipairs { "hh.rules.baseline", "hh.rules.controlset", "hh.rules.time", "hh.rules.recovered" } do
  local ok, res = pcall(require, mod)
  if ok then
    if type(res) ~= "table" then
      error("services: " .. mod .. " must return an array of rules, got " .. type(res))
    end
    for _, r in ipairs(res) do rules[#rules + 1] = r end
  elseif not (tostring(res):find("'" .. mod .. "'", 1, true) and tostring(res):find("not found", 1, true)) then
    error(res, 0)
  end
end

-- The literal starts every name (or file) pattern of KNOWN_TOOLS needs, cut
-- to the shortest of them, as { names = set, names_len = n, files = set,
-- files_len = n }: a row whose name and file start otherwise cannot match,
-- and known-tool skips it without running a pattern. nil (no shortcut) when
-- a pattern does not begin with "^" and two plain letters or digits. Built
-- per run: an analyst may add tools.
local function tool_starts(tools)
  local starts = {}
  for _, list in ipairs { "names", "files" } do
    local runs, len = {}, math.huge
    for _, t in ipairs(tools) do
      for _, pat in ipairs(t[list]) do
        local run, after = pat:match("^%^(%w+)(.?)")
        -- "^abc*" does not need the c
        if run and after:find("^[%*%+%-%?]") then run = run:sub(1, -2) end
        if not run or #run < 2 then return nil end
        runs[#runs + 1] = run
        if #run < len then len = #run end
      end
    end
    local set = {}
    for _, run in ipairs(runs) do set[run:sub(1, len)] = true end
    starts[list], starts[list .. "_len"] = set, #runs > 0 and len or 1
  end
  return starts
end

-- Run-wide preparation: lookup tables the rules share.
local function prepare(input, ctx)
  memo_reset()
  ctx.tool_starts = tool_starts(KNOWN_TOOLS)
  local templates = {}
  local rows = input.rows or {}
  for i = 1, #rows do
    local row = rows[i]
    if type_bits(row) & 0xC0 == 0x40 and type(row.name) == "string" then
      templates[row.name:lower()] = true
    end
  end
  ctx.user_templates = templates
  local sv = input.svchost
  if type(sv) == "table" and type(sv.groups) == "table" then
    local groups, n = {}, 0
    for g, members in pairs(sv.groups) do
      if type(g) == "string" then
        -- { members = set of lowercase names, count = n }
        local set, count = {}, 0
        if type(members) == "table" then
          for _, m in ipairs(members) do
            if type(m) == "string" then
              set[m:lower()] = true
              count = count + 1
            end
          end
        end
        groups[g:lower()] = { members = set, count = count }
        n = n + 1
      end
    end
    ctx.svchost_lower = groups
    ctx.svchost_count = n
  end
end

local services = policy.new {
  name = "services",
  description = "Windows service persistence (ATT&CK T1543.003): dropped or repointed service "
    .. "binaries, ServiceDll swaps, fake svchost groups, disabled security services",
  categories = { "persistence", "privilege-escalation", "defense-evasion" },
  hives = { "SYSTEM", "SOFTWARE" },
  rules = rules,
  allow = ALLOW,
  prepare = prepare,
  facts = shared_facts,
  -- for analysts' own rules (and specs): the data tables and the name test
  exports = {
    data = {
      USER_WRITABLE = USER_WRITABLE, PROGRAMDATA = PROGRAMDATA, STANDARD_ACCOUNTS = STANDARD_ACCOUNTS,
      SYSTEM_BINARIES = SYSTEM_BINARIES, INTERPRETERS = INTERPRETERS, SECURITY_SERVICES = SECURITY_SERVICES,
      KNOWN_TOOLS = KNOWN_TOOLS, ALLOW = ALLOW,
    },
    random_reason = random_reason,
  },
}

return services
