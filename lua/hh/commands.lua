-- hh.commands: what policies know about the programs a persistence entry
-- runs, shared by every policy that reads command lines (services, tasks,
-- autoruns): the user-writable and shared-data directory classes, the
-- interpreters and living-off-the-land binaries, the marks of an encoded or
-- download-and-run command, the file an interpreter is told to run, and what
-- a whole command line starts (describe).
--
-- Pure Lua 5.4 (string, table): runs inside the policy sandbox. The lists
-- are data; they are in canonical form (hh.paths.normalize) once loaded.

local paths = require "hh.paths"

local M = {}

-- Directories a normal user (or any process) can write to. A binary there
-- can be replaced without administrator rights, and dropped payloads land
-- there.
M.USER_WRITABLE = {
  [[c:\users]],
  [[c:\documents and settings]],          -- XP profiles
  [[c:\$recycle.bin]], [[c:\recycler]], [[c:\recycled]],
  [[c:\temp]], [[c:\tmp]], [[c:\perflogs]],
  [[c:\windows\temp]],
  [[c:\windows\tasks]],
  [[c:\windows\tracing]],
  [[c:\windows\debug]],
  [[c:\windows\registration\crmlog]],
  [[c:\windows\system32\tasks]],
  [[c:\windows\system32\tasks_migrated]],
  [[c:\windows\system32\spool\drivers\color]],
  [[c:\windows\system32\spool\printers]],
  [[c:\windows\system32\spool\servers]],
  [[c:\windows\system32\com\dmp]],
  [[c:\windows\system32\fxstmp]],
  [[c:\windows\system32\microsoft\crypto\rsa\machinekeys]],
  [[c:\windows\syswow64\tasks]],
  [[c:\windows\syswow64\com\dmp]],
  [[c:\windows\syswow64\fxstmp]],
  [[c:\windows\syswow64\microsoft\crypto\rsa\machinekeys]],
}

-- Shared application data: writable to users in places, and home to some
-- vendors' binaries, so a softer signal. XP's All Users profile is the same
-- place and is judged here rather than as a user profile.
M.PROGRAMDATA = {
  [[c:\programdata]],
  [[c:\documents and settings\all users]],
}

-- Programs that run commands or scripts rather than being the program
-- themselves, with the family reported in evidence. msiexec is left out:
-- the Windows Installer service itself is "msiexec.exe /V" (policies that
-- judge msiexec do so by its arguments).
M.INTERPRETERS = {
  ["cmd.exe"] = "cmd", ["powershell.exe"] = "powershell", ["pwsh.exe"] = "powershell",
  ["powershell_ise.exe"] = "powershell",
  ["rundll32.exe"] = "rundll32", ["regsvr32.exe"] = "regsvr32", ["mshta.exe"] = "mshta",
  ["wscript.exe"] = "script host", ["cscript.exe"] = "script host",
  ["bitsadmin.exe"] = "bitsadmin", ["certutil.exe"] = "certutil", ["wmic.exe"] = "wmic",
  ["installutil.exe"] = "installutil", ["regasm.exe"] = "regasm", ["regsvcs.exe"] = "regsvcs",
  ["msbuild.exe"] = "msbuild", ["forfiles.exe"] = "forfiles", ["bash.exe"] = "bash",
  ["wsl.exe"] = "wsl", ["python.exe"] = "python", ["pythonw.exe"] = "python",
  ["perl.exe"] = "perl", ["node.exe"] = "node", ["java.exe"] = "java", ["javaw.exe"] = "java",
}
M.SCRIPT_EXT = {
  bat = true, cmd = true, ps1 = true, psm1 = true, vbs = true, vbe = true, js = true,
  jse = true, wsf = true, wsh = true, hta = true, py = true, sct = true,
}
-- Lowercase plain substrings of a command line that mark an encoded or
-- download-and-run command.
M.COMMAND_MARKERS = {
  " -enc ", " -encodedcommand ", " -ec ", " -e ", "frombase64string", "iex ", "iex(",
  "invoke-expression", "downloadstring", "downloadfile", "invoke-webrequest",
  "net.webclient", "-nop ", "-noprofile", "-w hidden", "-windowstyle hidden",
  "bypass", "/b /c", "http://", "https://", "\\\\.\\pipe\\", "echo ", "| ",
}

-- Directory lists in canonical form, so rules compare plain strings; an
-- entry "dir\*" (anywhere below dir) keeps its star.
function M.canonical(list)
  for i, d in ipairs(list) do
    local star = d:match("^(.*)\\%*$")
    list[i] = star and (paths.normalize(star) .. "\\*") or paths.normalize(d)
  end
  return list
end
M.canonical(M.USER_WRITABLE)
M.canonical(M.PROGRAMDATA)

-- Arguments split into tokens, quotes removed from quoted ones.
function M.tokens(args)
  local out = {}
  if not args then return out end
  local i = 1
  while i <= #args do
    local c = args:sub(i, i)
    if c:match("%s") then
      i = i + 1
    elseif c == '"' then
      local close = args:find('"', i + 1, true) or (#args + 1)
      out[#out + 1] = args:sub(i + 1, close - 1)
      i = close + 1
    else
      local e = args:find("%s", i) or (#args + 1)
      out[#out + 1] = args:sub(i, e - 1)
      i = e
    end
  end
  return out
end

-- The file an interpreter is told to run: rundll32/regsvr32's DLL, the
-- script given to a script host, the program cmd /c starts.
function M.interpreter_payload(kind, args)
  if kind == "rundll32" then
    local dll = paths.rundll32_target(args)
    return dll
  end
  for _, t in ipairs(M.tokens(args)) do
    if not t:match("^[/-]") then
      local prog = paths.split_command(t)
      if prog and (paths.EXEC_EXT[paths.extension(prog) or ""] or M.SCRIPT_EXT[paths.extension(prog) or ""]) then
        return prog
      end
    end
  end
  return nil
end

-- The COMMAND_MARKERS found in a command line, trimmed, or nil for none.
function M.markers(command_line)
  if type(command_line) ~= "string" then return nil end
  local line = " " .. command_line:lower() .. " "
  local found = {}
  for _, m in ipairs(M.COMMAND_MARKERS) do
    if line:find(m, 1, true) then found[#found + 1] = (m:gsub("^%s+", ""):gsub("%s+$", "")) end
  end
  return #found > 0 and found or nil
end

-- Whether names a and b, given as arrays of their bytes, are one edit
-- apart: one character substituted, inserted, deleted, or two neighbours
-- swapped ("scvhost", "svch0st", "lsasss"). Arrays rather than strings: the
-- test runs for every binary outside System32 against each system name of a
-- close length (services), and indexing costs no library call.
function M.one_edit(a, b)
  local la, lb = #a, #b
  if la < lb then a, b, la, lb = b, a, lb, la end
  if la - lb > 1 then return false end
  local i = 1
  while i <= lb and a[i] == b[i] do i = i + 1 end
  if i > la then return false end   -- the same name
  if la ~= lb then
    -- a's character i is the extra one: the rest must match
    for j = i, lb do
      if a[j + 1] ~= b[j] then return false end
    end
    return true
  end
  -- one substituted at i?
  local j = i + 1
  while j <= la and a[j] == b[j] do j = j + 1 end
  if j > la then return true end
  -- i and i + 1 swapped?
  if a[i] ~= b[i + 1] or a[i + 1] ~= b[i] then return false end
  for k = i + 2, la do
    if a[k] ~= b[k] then return false end
  end
  return true
end

-- The bytes of s as an array, for one_edit.
function M.bytes(s)
  return { s:byte(1, -1) }
end

-- The file a command line's program part names, as CreateProcess finds it:
-- a bare name through System32 (bare_dir), ".exe" added to a name without
-- an extension.
function M.program(raw, bare_dir)
  if raw == nil then return nil end
  local p = paths.normalize(raw, bare_dir or paths.SYSTEM32)
  if p and not paths.basename(p):find("%.[^%.]+$") then p = p .. ".exe" end
  return p
end

-- What a command line starts:
--   { binary_raw, arguments, binary (normalised), name (its file name),
--     interpreter (family, or nil), payload_raw / payload (the DLL, script or
--     program an interpreter is told to run), markers (or nil),
--     url (an http(s)/ftp URL or a javascript:/vbscript: moniker in it),
--     scriptlet (regsvr32 /i:URL or scrobj.dll: Squiblydoo) }
-- nil for a nil or blank command.
function M.describe(command, bare_dir)
  local raw, args = paths.split_command(command)
  if raw == nil then return nil end
  local binary = M.program(raw, bare_dir)
  local name = binary and paths.basename(binary)
  local kind = name and M.INTERPRETERS[name]
  local d = { binary_raw = raw, arguments = args, binary = binary, name = name, interpreter = kind }
  if kind then
    d.payload_raw = M.interpreter_payload(kind, args)
    d.payload = d.payload_raw and paths.normalize(d.payload_raw, paths.SYSTEM32)
  end
  local low = command:lower()
  d.markers = M.markers(command)
  d.url = (low:find("https?://") or low:find("ftp://") or low:find("javascript:", 1, true)
    or low:find("vbscript:", 1, true)) and true or nil
  -- (Windows' own Active Setup runs "regsvr32 /s /n /i:/UserInstall x.dll":
  -- /i: alone is no scriptlet; a URL, a UNC path or scrobj.dll is)
  d.scriptlet = kind == "regsvr32" and (low:find("scrobj", 1, true) or low:find('/i:%s*"?https?:')
    or low:find('/i:%s*"?\\\\')) and true or nil
  return d
end

return M
