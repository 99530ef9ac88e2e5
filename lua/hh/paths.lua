-- hh.paths: Windows path handling for policies that read service ImagePath,
-- ServiceDll and similar values offline.
--
-- Pure Lua 5.4 using only string/table, so it runs inside the policy sandbox
-- and under plain lua5.4/busted alike.
--
-- Every path a rule compares is first brought to one canonical spelling:
-- lowercase, backslashes, a drive letter, environment variables and kernel
-- prefixes expanded, "." and ".." resolved. Rules compare canonical paths and
-- report the raw value next to it.

local paths = {}

-- The system drive and Windows directory an offline hive implies. Offline we
-- cannot know the real drive letter; C: is what nearly every install uses and
-- every rule compares against the same assumption, so the choice cancels out.
paths.SYSTEM_DRIVE = "c:"
paths.WINDOWS = "c:\\windows"
paths.SYSTEM32 = "c:\\windows\\system32"
paths.DRIVERS = "c:\\windows\\system32\\drivers"

-- Stands in for a user name that the hive cannot tell us. '<' and '>' cannot
-- occur in a Windows file name, so the placeholder never collides with a real
-- directory, and rules still see "\users\" in the path.
paths.USER = "<user>"

local USER_PROFILE = "c:\\users\\" .. paths.USER

-- Environment variables as the Service Control Manager would expand them
-- (keys lowercase). User-specific ones point into a placeholder profile.
-- TEMP and TMP follow the system environment the SCM itself runs with
-- (%SystemRoot%\TEMP), which is also user-writable.
local ENV = {
  systemroot = "c:\\windows",
  windir = "c:\\windows",
  systemdrive = "c:",
  programfiles = "c:\\program files",
  ["programfiles(x86)"] = "c:\\program files (x86)",
  programw6432 = "c:\\program files",
  commonprogramfiles = "c:\\program files\\common files",
  ["commonprogramfiles(x86)"] = "c:\\program files (x86)\\common files",
  commonprogramw6432 = "c:\\program files\\common files",
  programdata = "c:\\programdata",
  allusersprofile = "c:\\programdata",
  public = "c:\\users\\public",
  comspec = "c:\\windows\\system32\\cmd.exe",
  driverdata = "c:\\windows\\system32\\drivers\\driverdata",
  temp = "c:\\windows\\temp",
  tmp = "c:\\windows\\temp",
  userprofile = USER_PROFILE,
  homedrive = "c:",
  homepath = "\\users\\" .. paths.USER,
  username = paths.USER,
  appdata = USER_PROFILE .. "\\appdata\\roaming",
  localappdata = USER_PROFILE .. "\\appdata\\local",
  onedrive = USER_PROFILE .. "\\onedrive",
}
paths.ENV = ENV

-- 8.3 short names of well-known directories, keyed by the canonical parent
-- directory ("" for a drive root; "*profile*" for any user profile). Short
-- names are handed out per directory in creation order, so only the names a
-- stock install reliably produces are listed, and only under their parent.
local SHORT_NAMES = {
  [""] = {
    ["progra~1"] = "program files",
    ["progra~2"] = "program files (x86)",
    ["progra~3"] = "programdata",
    ["docume~1"] = "documents and settings",
  },
  ["program files"] = { ["common~1"] = "common files" },
  ["program files (x86)"] = { ["common~1"] = "common files" },
  ["*profile*"] = {
    ["locals~1"] = "local settings",
    ["applic~1"] = "application data",
    ["startm~1"] = "start menu",
    ["mydocu~1"] = "my documents",
  },
  ["local settings"] = {
    ["applic~1"] = "application data",
    ["tempor~1"] = "temporary internet files",
  },
}

-- File extensions CreateProcess-style splitting accepts as the end of the
-- program part of an unquoted command line.
local EXEC_EXT = {
  exe = true, sys = true, dll = true, com = true, bat = true, cmd = true,
  ps1 = true, vbs = true, vbe = true, js = true, jse = true, wsf = true,
  wsh = true, hta = true, scr = true, cpl = true, ocx = true, msi = true,
  pif = true, drv = true, efi = true,
}
paths.EXEC_EXT = EXEC_EXT

-- Values come from attacker-controlled hives: every scan here is linear.
-- (A pattern such as "%s+$" backtracks quadratically over a long run of
-- spaces inside a string.)
local SPACE = { [9] = true, [10] = true, [11] = true, [12] = true, [13] = true, [32] = true }

local function trim(s)
  local i = s:find("%S")
  if not i then return "" end
  local j = #s
  while SPACE[s:byte(j)] do j = j - 1 end
  return s:sub(i, j)
end
paths.trim = trim

local function has_exec_ext(s)
  local ext = s:match("%.([%w]+)$")
  return ext ~= nil and EXEC_EXT[ext:lower()] == true
end

-- Split a command line (ImagePath, FailureCommand) into the program and its
-- arguments, the way CreateProcess reads an lpCommandLine without an
-- lpApplicationName:
--   "quoted program" args           -> up to the closing quote
--   C:\Program Files\x\y.exe -a     -> the shortest space-delimited prefix
--                                      that ends in an executable extension
--                                      (CreateProcess tries prefixes left to
--                                      right and takes the first that exists)
--   anything else                   -> the first whitespace-delimited token
-- Returns binary_raw, args_raw (args "" when there are none), or nil, nil for
-- a nil or blank input.
local function split_command(s)
  if s == nil then return nil, nil end
  s = trim(tostring(s))
  if s == "" then return nil, nil end

  -- A kernel prefix in front of a quoted path (\??\"C:\x y\z.exe") is rare
  -- but legal; keep the prefix with the program part.
  local prefix, rest = s:match('^(\\%?%?\\)(".*)$')
  if prefix then
    local bin, args = paths.split_command(rest)
    return prefix .. bin, args
  end

  if s:sub(1, 1) == '"' then
    local close = s:find('"', 2, true)
    if not close then
      return s:sub(2), ""
    end
    return s:sub(2, close - 1), trim(s:sub(close + 1))
  end

  -- A bare first word ("regsvr32 /s x.dll", "cmd /c ...") is a program
  -- found on the search path; paths with spaces always hold a backslash.
  local first = s:match("^(%S+)")
  if not first:find("\\", 1, true) then
    return first, trim(s:sub(#first + 1))
  end
  -- Only the few characters before each space are examined, so a hostile
  -- value with thousands of spaces costs linear time, not quadratic.
  -- (the first whitespace is the one that ends the first word)
  local sp = #first < #s and #first + 1 or nil
  while sp do
    if has_exec_ext(s:sub(math.max(1, sp - 9), sp - 1)) then
      return s:sub(1, sp - 1), trim(s:sub(sp + 1))
    end
    local nx = s:find("%S", sp)   -- s is trimmed: a word follows every run
    -- a switch ends the program part: what came before it was the program
    local c = s:byte(nx)
    if c == 47 or c == 45 then   -- '/' or '-'
      return s:sub(1, sp - 1), s:sub(nx)
    end
    sp = s:find("%s", nx)
  end
  if has_exec_ext(s) then
    return s, ""
  end
  return first, trim(s:sub(#first + 1))
end

-- Expand %VAR% references once, as ExpandEnvironmentStrings does. Unknown
-- variables are left in place.
local function expand_env(p)
  return (p:gsub("%%([^%%]+)%%", function(name)
    local v = ENV[name:lower()]
    if v then return v end
    return nil
  end))
end
paths.expand_env = expand_env

local LOCAL_HOSTS = { ["127.0.0.1"] = true, ["localhost"] = true, ["::1"] = true }

-- Resolve short names against the canonical components seen so far.
local function long_name(parents, comp)
  if not comp:find("~", 1, true) then return comp end
  local parent = parents[#parents] or ""
  if #parents == 0 then parent = "" end
  local t = SHORT_NAMES[parent]
  if t and t[comp] then return t[comp] end
  -- user profile: c:\users\<name>\... or c:\documents and settings\<name>\...
  if #parents == 2 and (parents[1] == "users" or parents[1] == "documents and settings") then
    local long = SHORT_NAMES["*profile*"][comp]
    if long then return long end
  end
  return comp
end

-- Whether a path body after its drive ("\\windows\\x.exe") is already in
-- canonical component form: every component non-empty, not "." or "..",
-- without trailing dots or spaces or a "~" short name (the cases the
-- component walk below rewrites), so it can be used as it is.
local function plain_body(body)
  local last = body:byte(-1)
  -- (plain finds: a character-class scan of the whole body costs more than
  -- all of them together)
  return not (last == 46 or last == 32 or last == 92)   -- '.', ' ', '\'
    and body:byte(1) ~= 46             -- a first component "." or ".." (drive-relative)
    and not body:find("~", 1, true)
    and not body:find("\\.", 1, true)  -- a component starting with a dot ("." or "..")
    and not body:find("\\\\", 1, true) -- an empty component
    and not body:find(".\\", 1, true)  -- one ending in a dot
    and not body:find(" \\", 1, true)  -- or in a space
end

-- Canonical form of a Windows path: lowercase, backslashes, a drive letter,
-- %VARS% and kernel prefixes expanded, dot segments and doubled separators
-- removed, common 8.3 short names lengthened. Relative paths resolve under
-- the Windows directory, as the kernel does for driver ImagePaths
-- ("system32\drivers\x.sys"). UNC paths stay UNC (\\server\share\...).
-- bare_dir, when given, is where a bare file name (no directory at all after
-- %VAR% expansion) resolves instead: a user-mode ImagePath or a ServiceDll
-- named "x.dll" is found by the loader's search, which starts in System32,
-- while the kernel puts a bare driver name under the Windows directory.
-- Returns nil for nil or blank input.
-- (the second result says whether p was a bare name resolved in bare_dir;
-- when not, the result is also p's without bare_dir)
local function normalize(p, bare_dir)
  if p == nil then return nil end
  -- Already canonical (the policies' own directory lists, paths derived
  -- from canonical ones): a lowercase drive path with nothing any step
  -- below rewrites is returned as it is.
  if type(p) == "string" and p:find('^%l:\\[^%c%u"/%%~]*[^%s%c%u"/%%~%.\\]$')
      and not p:find("\\.", 1, true) and not p:find("\\\\", 1, true)
      and not p:find(".\\", 1, true) and not p:find(" \\", 1, true) then
    return p
  end
  p = trim(tostring(p))
  -- (each rewrite below runs only when a plain find says it has work: most
  -- paths need none of them, and a gsub costs a pass over the string;
  -- dropping quotes adds no slash or %, so one look at p serves throughout)
  local quote, slash, var = p:find('"', 1, true), p:find("/", 1, true), p:find("%", 1, true)
  -- quotes: surrounding ones (a bare value copied out of a command line)
  -- and stray ones alike are dropped
  if quote then p = p:gsub('"', "") end
  local expanded   -- p with its %VARS% expanded, slashes as they were
  if bare_dir ~= nil then
    expanded = var and expand_env(p) or p
    if expanded ~= "" and not expanded:find("[\\/:]") then
      return paths.normalize(bare_dir .. "\\" .. expanded), true
    end
  end
  if slash then
    p = p:gsub("/", "\\")
    if var then p = expand_env(p) end
  elseif var then
    p = expanded or expand_env(p)
  end
  if p == "" then return nil end
  p = p:lower()

  -- Kernel and Win32 namespace prefixes.
  local unc = false
  local changed = p:sub(1, 1) == "\\"
  while changed do
    changed = false
    local q = p
    -- (each prefix is tried only when q's first two characters allow it:
    -- a gsub that cannot match costs a call for nothing)
    local b1, b2 = q:byte(1, 2)
    if b1 == 92 and (b2 == 63 or b2 == 92) then   -- \?? and \\? (\\.) forms
      q = q:gsub("^\\%?%?\\unc\\", "\\\\")
      q = q:gsub("^\\\\[%?%.]\\unc\\", "\\\\")
      q = q:gsub("^\\%?%?\\", "")
      q = q:gsub("^\\\\[%?%.]\\", "")
      b1, b2 = q:byte(1, 2)
    end
    if b1 == 92 and b2 == 100 then   -- \d
      q = q:gsub("^\\dosdevices\\", "")
      b1, b2 = q:byte(1, 2)
    end
    if b1 == 92 and b2 == 103 then   -- \g
      q = q:gsub("^\\global%?%?\\", "")
      b1, b2 = q:byte(1, 2)
    end
    if b1 == 103 then   -- g
      q = q:gsub("^globalroot\\", "\\")
      b1, b2 = q:byte(1, 2)
    end
    if b1 == 92 and b2 == 115 then   -- \s
      q = q:gsub("^\\systemroot\\", paths.WINDOWS .. "\\")
      q = q:gsub("^\\systemroot$", paths.WINDOWS)
    end
    -- another round only while one of the prefixes above can still match
    if q ~= p then
      p = q
      changed = p:byte(1) == 92 or p:find("^globalroot\\") ~= nil
    end
  end

  local drive, body
  local device = false
  if p:find("^%a:") then
    drive = p:sub(1, 2)
    body = p:sub(3)
  elseif p:find("^\\device\\") then
    -- kernel device paths (\Device\HarddiskVolume2\..., shadow copies) name
    -- a volume, not a drive letter: they keep their own namespace
    device = true
    unc = true   -- same shape: two fixed leading components
    body = p:sub(2)
  elseif p:match("^\\\\") then
    unc = true
    body = p:sub(3)
  elseif p:match("^\\") then
    drive = paths.SYSTEM_DRIVE
    body = p
  else
    -- relative: under the Windows directory
    drive = paths.SYSTEM_DRIVE
    body = "\\windows\\" .. p
  end
  -- most paths are already canonical past the drive: no walk needed
  if drive and plain_body(body) then
    return drive .. "\\" .. (body:byte(1) == 92 and body:sub(2) or body)
  end

  local out = {}
  for comp in body:gmatch("[^\\]+") do
    -- Windows drops trailing dots and spaces from path components
    -- ("evil.exe." opens evil.exe); ".." and "." survive that rule.
    local last = comp:byte(-1)
    if (last == 46 or last == 32) and comp ~= "." and comp ~= ".." then
      local j = #comp
      while j > 0 and (comp:byte(j) == 46 or comp:byte(j) == 32) do j = j - 1 end
      comp = comp:sub(1, j)
    end
    if comp == "" or comp == "." then
      -- skip
    elseif comp == ".." then
      -- never climb above the drive root (or the UNC server\share)
      if #out > (unc and 2 or 0) then out[#out] = nil end
    else
      out[#out + 1] = long_name(out, comp)
    end
  end

  -- The administrative shares of the machine itself are its own drives:
  -- remote-execution tools start services from \\127.0.0.1\ADMIN$\x.exe.
  if unc and LOCAL_HOSTS[out[1] or ""] and out[2] then
    local share = out[2]
    local root
    if share == "admin$" then
      root = paths.WINDOWS
    elseif share:match("^%a%$$") then
      root = share:sub(1, 1) .. ":"
    end
    if root then
      table.remove(out, 1)
      table.remove(out, 1)
      if #out == 0 then return root == paths.WINDOWS and root or root .. "\\" end
      return root .. "\\" .. table.concat(out, "\\")
    end
  end

  local joined = table.concat(out, "\\")
  if device then return "\\" .. joined end
  if unc then return "\\\\" .. joined end
  return drive .. "\\" .. joined
end


-- Memos ----------------------------------------------------------------------
-- normalize and split_command are pure functions of their string and of
-- the tables above, and policies ask about the same values again: services
-- derive each ImagePath's program, then correlate does for the same rows.
-- During a policy run (paths.begin_run, which hh.policy and correlate call
-- when a run starts) results are kept for the hunt; begin_run drops them
-- when ENV, EXEC_EXT or the drive and Windows directory differ from what
-- they were computed with (an analyst's policy file may change them), and
-- they are dropped past MEMO_MAX entries so a hostile hive cannot grow them
-- without bound. Only string arguments are memoised.
local MEMO_MAX = 50000
local memo_on, memo_n = false, 0
local memo_norm, memo_bare, memo_split
local memo_settings   -- copies of what the results depend on

local function memo_clear()
  memo_norm, memo_bare, memo_split, memo_n = {}, {}, {}, 0
end
memo_clear()

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function same(a, b)
  for k, v in pairs(a) do if b[k] ~= v then return false end end
  for k, v in pairs(b) do if a[k] ~= v then return false end end
  return true
end

function paths.begin_run()
  local s = memo_settings
  if not (s and s.drive == paths.SYSTEM_DRIVE and s.windows == paths.WINDOWS
          and same(s.env, ENV) and same(s.ext, EXEC_EXT)) then
    memo_clear()
    memo_settings = { drive = paths.SYSTEM_DRIVE, windows = paths.WINDOWS, env = copy(ENV), ext = copy(EXEC_EXT) }
  end
  memo_on = true
end

local function memo_count()
  memo_n = memo_n + 1
  if memo_n > MEMO_MAX then memo_clear() end
end

function paths.normalize(p, bare_dir)
  if not memo_on or type(p) ~= "string" or (bare_dir ~= nil and type(bare_dir) ~= "string") then
    return (normalize(p, bare_dir))
  end
  local t = memo_norm
  if bare_dir ~= nil then
    t = memo_bare[bare_dir]
    if not t then
      t = {}
      memo_bare[bare_dir] = t
    end
  end
  local v = t[p]
  if v == nil then
    local bare
    v, bare = normalize(p, bare_dir)
    v = v or false
    t[p] = v
    if bare_dir ~= nil and not bare and memo_norm[p] == nil then memo_norm[p] = v end
    memo_count()
  end
  return v or nil
end

function paths.split_command(s)
  if not memo_on or type(s) ~= "string" then return split_command(s) end
  local m = memo_split[s]
  if m == nil then
    local bin, args = split_command(s)
    m = { bin, args }
    memo_split[s] = m
    memo_count()
  end
  return m[1], m[2]
end

-- The normalised program of a command line (bare_dir as for normalize).
function paths.binary(command, bare_dir)
  local bin = paths.split_command(command)
  if bin == nil then return nil end
  return paths.normalize(bin, bare_dir)
end

-- Components of a normalised path: {"c:", "windows", "system32", "x.dll"}.
function paths.components(p)
  local out = {}
  if p == nil then return out end
  if p:sub(1, 2) == "\\\\" then
    out[1] = "\\\\"
    p = p:sub(3)
  end
  for comp in p:gmatch("[^\\]+") do out[#out + 1] = comp end
  return out
end

-- Directory part of a path (no trailing separator); nil when there is none.
function paths.dir(p)
  if p == nil then return nil end
  local d = p:match("^(.*)\\[^\\]*$")
  if d == nil then return nil end
  if d:match("^%a:$") then return d .. "\\" end
  return d
end

-- Last component of a path.
function paths.basename(p)
  if p == nil then return nil end
  -- the last separator by one greedy pass ("([^\\]*)$" would rescan the
  -- tail from every position: quadratic on a long component)
  local sep = p:match("^.*()\\")
  return sep and p:sub(sep + 1) or p
end

-- Extension without the dot, lowercase; nil when there is none.
function paths.extension(p)
  local base = paths.basename(p)
  if base == nil then return nil end
  local ext = base:match("%.([^%.]+)$")
  return ext and ext:lower() or nil
end

-- Whether normalised path p lies in directory dir or below it, comparing
-- whole components ("c:\windows\system32x" is not under "c:\windows\system32").
-- dir is normalised here, so callers may pass "%SystemRoot%\System32".
function paths.under(p, dir)
  if p == nil or dir == nil then return false end
  local pc = paths.components(paths.normalize(p))
  local dc = paths.components(paths.normalize(dir))
  if #dc > #pc then return false end
  for i = 1, #dc do
    if pc[i] ~= dc[i] then return false end
  end
  return true
end

-- The same test for paths already in canonical form (normalize's output):
-- a plain string comparison, for rules that test many paths against many
-- directories.
function paths.is_under(p, dir)
  if p == nil or dir == nil then return false end
  local n = #dir
  if #p < n then return false end
  if p == dir then return true end
  if p:sub(1, n) ~= dir then return false end
  -- 92 is '\': the next character must start a new component
  return dir:byte(n) == 92 or p:byte(n + 1) == 92
end

-- The first directory of the list dirs that canonical path p lies in (or
-- is), or nil.
function paths.first_under(p, dirs)
  if not p then return nil end
  for i = 1, #dirs do
    local d = dirs[i]
    if paths.is_under(p, d) then return d end
  end
  return nil
end

-- Whether p sits directly in dir (dir is its parent).
function paths.directly_in(p, dir)
  if p == nil or dir == nil then return false end
  local pc = paths.components(paths.normalize(p))
  local dc = paths.components(paths.normalize(dir))
  if #pc ~= #dc + 1 then return false end
  for i = 1, #dc do
    if pc[i] ~= dc[i] then return false end
  end
  return true
end

-- Parse the arguments of an svchost command line: -k <group> [-p] [-s <svc>].
-- Returns { group=, p=bool, s= } or nil when there is no -k.
function paths.svchost_args(args)
  if args == nil then return nil end
  local toks = {}
  for t in args:gmatch("%S+") do toks[#toks + 1] = t end
  local r = { p = false }
  local i = 1
  while i <= #toks do
    local t = toks[i]:lower()
    if (t == "-k" or t == "/k") and toks[i + 1] then
      r.group = toks[i + 1]; i = i + 1
    elseif t == "-p" or t == "/p" then
      r.p = true
    elseif (t == "-s" or t == "/s") and toks[i + 1] then
      r.s = toks[i + 1]; i = i + 1
    end
    i = i + 1
  end
  if r.group == nil then return nil end
  return r
end

-- The DLL and entry point of rundll32 arguments: "C:\x\y.dll,Entry args".
-- Returns dll_raw, entry (either may be nil).
function paths.rundll32_target(args)
  if args == nil then return nil, nil end
  args = trim(args)
  if args == "" then return nil, nil end
  local dll, rest
  if args:sub(1, 1) == '"' then
    local close = args:find('"', 2, true)
    if close then
      dll, rest = args:sub(2, close - 1), args:sub(close + 1)
    else
      dll, rest = args:sub(2), ""
    end
  else
    -- the DLL path ends at the comma (paths may hold spaces) or, failing
    -- that, at the first space
    local comma = args:find(",", 1, true)
    if comma then
      dll, rest = args:sub(1, comma - 1), args:sub(comma)
    else
      dll, rest = args:match("^(%S+)(.*)$")
    end
  end
  local entry = rest:match("^%s*,%s*([^%s,]+)")
  return trim(dll), entry
end

return paths
