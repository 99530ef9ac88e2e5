-- hh.launch: what a command line starts, for policies that judge commands
-- Windows runs (service ImagePaths, Run values, Winlogon, IFEO debuggers):
-- the program, whether it is an interpreter or a living-off-the-land binary,
-- the file it is told to run, and the markers of encoded or downloading
-- command lines.
--
-- Pure Lua 5.4 (string, table): runs inside the policy sandbox.

local paths = require "hh.paths"

local launch = {}

-- Programs that run commands or scripts rather than being a service, with
-- the family reported in evidence. msiexec is left out: the Windows
-- Installer service itself is "msiexec.exe /V".
launch.INTERPRETERS = {
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
launch.SCRIPT_EXT = {
  bat = true, cmd = true, ps1 = true, psm1 = true, vbs = true, vbe = true, js = true,
  jse = true, wsf = true, wsh = true, hta = true, py = true, sct = true,
}
-- Lowercase plain substrings of an ImagePath that mark an encoded or
-- download-and-run command line.
launch.COMMAND_MARKERS = {
  " -enc ", " -encodedcommand ", " -ec ", " -e ", "frombase64string", "iex ", "iex(",
  "invoke-expression", "downloadstring", "downloadfile", "invoke-webrequest",
  "net.webclient", "-nop ", "-noprofile", "-w hidden", "-windowstyle hidden",
  "bypass", "/b /c", "http://", "https://", "\\\\.\\pipe\\", "echo ", "| ",
}

local INTERPRETERS = launch.INTERPRETERS
local SCRIPT_EXT = launch.SCRIPT_EXT
local COMMAND_MARKERS = launch.COMMAND_MARKERS

-- Arguments split into tokens, quotes removed from quoted ones.
function launch.tokens(args)
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
function launch.interpreter_payload(kind, args)
  if kind == "rundll32" then
    local dll = paths.rundll32_target(args)
    return dll
  end
  for _, t in ipairs(launch.tokens(args)) do
    if not t:match("^[/-]") then
      local prog = paths.split_command(t)
      if prog and (paths.EXEC_EXT[paths.extension(prog) or ""] or SCRIPT_EXT[paths.extension(prog) or ""]) then
        return prog
      end
    end
  end
  return nil
end

-- The markers of COMMAND_MARKERS a command line holds (lowercase, trimmed),
-- or nil.
function launch.markers(command)
  if type(command) ~= "string" then return nil end
  local line = " " .. command:lower() .. " "
  local found = {}
  for _, m in ipairs(COMMAND_MARKERS) do
    if line:find(m, 1, true) then found[#found + 1] = (m:gsub("^%s+", ""):gsub("%s+$", "")) end
  end
  return #found > 0 and found or nil
end

-- The file a command line's program part names, as CreateProcess finds it:
-- a bare name through System32 (bare_dir), ".exe" added to a name without
-- an extension.
function launch.program(raw, bare_dir)
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
function launch.describe(command, bare_dir)
  local raw, args = paths.split_command(command)
  if raw == nil then return nil end
  local binary = launch.program(raw, bare_dir)
  local name = binary and paths.basename(binary)
  local kind = name and INTERPRETERS[name]
  local d = { binary_raw = raw, arguments = args, binary = binary, name = name, interpreter = kind }
  if kind then
    d.payload_raw = launch.interpreter_payload(kind, args)
    d.payload = d.payload_raw and paths.normalize(d.payload_raw, paths.SYSTEM32)
  end
  local low = command:lower()
  d.markers = launch.markers(command)
  d.url = (low:find("https?://") or low:find("ftp://") or low:find("javascript:", 1, true)
    or low:find("vbscript:", 1, true)) and true or nil
  -- (Windows' own Active Setup runs "regsvr32 /s /n /i:/UserInstall x.dll":
  -- /i: alone is no scriptlet; a URL, a UNC path or scrobj.dll is)
  d.scriptlet = kind == "regsvr32" and (low:find("scrobj", 1, true) or low:find('/i:%s*"?https?:')
    or low:find('/i:%s*"?\\\\')) and true or nil
  return d
end

return launch
