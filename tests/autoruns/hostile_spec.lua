-- plugin.autoruns on hostile hives built inline by hh-mkhive: a subkey
-- cycle under IFEO, a list value past the element cap, strings far longer
-- than any path, numbers stored with the wrong type, names that do not fit
-- the paths the plugin builds from them. Each must give rows or warnings,
-- never a crash, a hang or an unbounded result.
local regf = require "hh.regf"
local autoruns = require "plugin.autoruns"
local manifest = dofile(os.getenv("HH_TESTDATA") .. "/manifest.lua")

local built = {}
local function build(text, opts)
  local spec, out = os.tmpname(), os.tmpname()
  local f = assert(io.open(spec, "wb"))
  f:write(text)
  f:close()
  local ok = os.execute(("'%s' '%s' '%s' %s >/dev/null"):format(manifest.mkhive, spec, out, opts or ""))
  os.remove(spec)
  assert(ok, "hh-mkhive failed")
  built[#built + 1] = out
  return assert(regf.open(out))
end

teardown(function()
  for _, p in ipairs(built) do os.remove(p) end
end)

local IFEO = [[Microsoft\Windows NT\CurrentVersion\Image File Execution Options]]

describe("plugin.autoruns on hostile hives", function()
  it("survives a subkey cycle under IFEO", function()
    local h = build("@root ROOT\n[Classes]\n[" .. IFEO .. "\\loop.exe]\n\"Debugger\"=\"x.exe\"\n",
      "--subkey-cycle '" .. IFEO .. "\\loop.exe'")
    local input = assert(autoruns.collect(h))
    assert.is_true(#input.rows <= 2)
  end)

  it("caps a list value and reads huge strings without cutting them", function()
    local many = {}
    for i = 1, 5000 do many[i] = '"p' .. i .. '"' end
    local long = string.rep("A", 70000)
    local h = build("@root ROOT\n[ControlSet001\\Control\\Lsa]\n\"Security Packages\"=multi_sz:" .. table.concat(many, ",")
      .. "\n[ControlSet001\\Control\\Session Manager]\n\"BootExecute\"=\"" .. long .. "\"\n")
    local input = assert(autoruns.collect(h))
    local n, boot = 0, nil
    for _, r in ipairs(input.rows) do
      if r.location == "lsa-security-packages" then n = n + 1 end
      if r.location == "boot-execute" then boot = r end
    end
    assert.equal(4096, n)
    assert.equal(70000, #boot.command)
    local warned = false
    for _, w in ipairs(input.warnings) do warned = warned or w:find("5000 strings", 1, true) ~= nil end
    assert.is_true(warned)
  end)

  it("takes wrong-typed numbers and names too long for the paths built from them", function()
    local target = string.rep("n", 600) .. ".exe"
    local provider = string.rep("p", 300)
    -- (a key path a CLSID with a backslash would reach: it must not be followed)
    local h = build("@root ROOT\n[Classes\\CLSID\\{00000000-0000-0000-0000-0000000000\\.}\\InprocServer32]\n@=\"C:\\\\evil.dll\"\n"
      .. "[Microsoft\\Windows NT\\CurrentVersion\\Windows]\n\"AppInit_DLLs\"=\"a.dll\"\n\"LoadAppInit_DLLs\"=hex:01\n"
      .. "[" .. IFEO .. "\\" .. target .. "]\n\"GlobalFlag\"=multi_sz:\"512\"\n"
      .. "[Microsoft\\Windows NT\\CurrentVersion\\SilentProcessExit\\" .. target .. "]\n\"MonitorProcess\"=\"m.exe\"\n"
      .. "[Microsoft\\Windows\\CurrentVersion\\ShellServiceObjectDelayLoad]\n\"x\"=\"{00000000-0000-0000-0000-00000000000}\"\n"
      .. "\"y\"=\"{00000000-0000-0000-0000-0000000000\\\\.}\"\n")
    local input = assert(autoruns.collect(h))
    local loc = {}
    for _, r in ipairs(input.rows) do loc[r.location] = r end
    assert.equal(1, loc["appinit-dlls"].load_appinit_dlls)   -- one byte of binary, read as a number
    assert.is_nil(loc["silent-process-exit"].global_flag)    -- too long a path to look up: none
    assert.is_nil(loc["ssodl"].clsid_dll)
    local sys = build("@root ROOT\n[Select]\n\"Current\"=\"1\"\n[ControlSet001\\Control\\NetworkProvider\\Order]\n"
      .. "\"ProviderOrder\"=\"" .. provider .. ",..\\\\..\\\\x,,\"\n")
    local rows = assert(autoruns.collect(sys)).rows
    assert.equal(2, #rows)
    assert.is_true(rows[1].current)                          -- Select\Current as text
    assert.is_nil(rows[1].provider_path)
    assert.is_nil(rows[2].provider)
  end)
end)
