-- The shipped policy and its helpers must run in the host's policy sandbox:
-- base functions without load/dofile, string without dump, table, math,
-- utf8, and a require that only loads Lua files from lua/. This spec builds
-- such an environment, strict about unknown globals, and runs the policy in it.

local SRC = os.getenv("HH_SOURCE_DIR") or "."

local function read(path)
  local fh = io.open(path, "rb")
  if not fh then return nil end
  local s = fh:read("a")
  fh:close()
  return s
end

local BASE = {
  "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "rawequal",
  "rawget", "rawlen", "rawset", "select", "setmetatable", "tonumber", "tostring",
  "type", "xpcall", "_VERSION",
}

local function copy(t, drop)
  local out = {}
  for k, v in pairs(t) do
    if not (drop and drop[k]) then out[k] = v end
  end
  return out
end

-- A fresh sandbox; `touched` records every global name a chunk read that the
-- sandbox does not provide (reading one raises too).
local function sandbox()
  local env = {}
  for _, k in ipairs(BASE) do env[k] = _G[k] end
  env.string = copy(string, { dump = true })
  env.table = copy(table)
  env.math = copy(math)
  env.utf8 = copy(utf8)
  local loaded = {}
  env.require = function(name)
    if type(name) ~= "string" or not name:match("^[%w_]+[%w_%.]*$") then
      error("require: bad module name", 2)
    end
    if loaded[name] ~= nil then return loaded[name] end
    local file = SRC .. "/lua/" .. name:gsub("%.", "/") .. ".lua"
    local src = read(file)
    if not src then error("module '" .. name .. "' not found", 2) end
    local chunk = assert(load(src, "@" .. file, "t", env))
    local res = chunk(name)
    if res == nil then res = true end
    loaded[name] = res
    return res
  end
  env._G = env
  setmetatable(env, {
    __index = function(_, k) error("sandbox: global '" .. tostring(k) .. "' is not available", 2) end,
    __newindex = function(_, k) error("sandbox: assignment to global '" .. tostring(k) .. "'", 2) end,
  })
  return env
end

describe("the services policy in the sandbox", function()
  it("loads and evaluates with only the allowed libraries", function()
    local env = sandbox()
    local services = env.require("services")
    assert.equal("services", services.name)
    local warned = {}
    local rows = {
      { name = "PSEXESVC", control_set = "ControlSet001", current = true, key = [[ControlSet001\Services\PSEXESVC]],
        image_path = [[%SystemRoot%\PSEXESVC.EXE]], type = 16, type_name = "own_process", start = 3,
        start_name = "demand", object_name = "LocalSystem", last_write = "2012-04-04T18:52:11Z",
        last_write_epoch = 1333565531 },
      { name = "Evil", control_set = "ControlSet001", current = true, key = [[ControlSet001\Services\Evil]],
        image_path = [[%COMSPEC% /b /c start /b /min powershell -nop -w hidden -encodedcommand SQBFAFgA]],
        type = 16, start = 2, object_name = [[CORP\bob]], failure_command = [[C:\Users\Public\r.exe]] },
      { name = "a1b2c3d4", control_set = "ControlSet001", key = [[ControlSet001\Services\a1b2c3d4]],
        image_path = [[%SystemRoot%\system32\svchost.exe -k evil]], svchost_group = "evil",
        service_dll = [[C:\ProgramData\x\scvhost.dll]], type = 32, start = 2 },
      { name = "rk", control_set = "ControlSet001", key = [[ControlSet001\Services\rk]], type = 1,
        image_path = [[\??\C:\Windows\Temp\rk.sys]], start = 1 },
      { name = "WinDefend", control_set = "ControlSet001", key = [[ControlSet001\Services\WinDefend]], type = 16, start = 4 },
      { name = "Spoof", control_set = "ControlSet001", key = [[ControlSet001\Services\Spoof]], type = 16, start = 2,
        image_path = [[C:\Windows\System32\evil\svchost.exe -k netsvcs]] },
      { name = "Unquoted", control_set = "ControlSet001", key = [[ControlSet001\Services\Unquoted]], type = 16, start = 2,
        image_path = [[C:\Program Files\A B\c.exe]] },
    }
    local input = { plugin = "services", rows = rows, args = {}, svchost = { groups = { netsvcs = { "BITS" } } } }
    services.init({})
    local findings = services.evaluate(input, { warn = function(m) warned[#warned + 1] = m end })
    local seen = {}
    for _, f in ipairs(findings) do seen[f.rule] = true end
    for _, id in ipairs { "known-tool", "path-windows-root", "interpreter-command", "objectname-nonstandard",
                          "failure-command", "path-user-writable", "svchost-group-unknown", "name-random",
                          "svchost-dll-outside-system32", "path-programdata", "binary-impersonation",
                          "driver-outside-drivers", "security-service-disabled", "unquoted-path" } do
      assert.is_true(seen[id] == true, id)
    end
    -- and the extension path works in there too
    local mine = services.extend { disable = { "name-random" }, allow = { { rule = "*", service = "PSEXESVC" } } }
    for _, f in ipairs(mine.evaluate(input, {})) do
      assert.is_false(f.rule == "name-random")
      assert.is_false(f.service == "PSEXESVC")
    end
  end)

  it("refuses a chunk that reaches for io (the check itself works)", function()
    local env = sandbox()
    local chunk = assert(load("local f = io.open('x') return f", "=probe", "t", env))
    local ok, err = pcall(chunk)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("sandbox: global 'io' is not available", 1, true), err)
  end)

  it("uses no blocked function in any policy file, even on paths not run above", function()
    for _, file in ipairs { "lua/services.lua", "lua/hh/paths.lua", "lua/hh/policy.lua" } do
      local src = assert(read(SRC .. "/" .. file), file)
      -- drop comments and string literals before looking
      local code = src:gsub("%-%-%[(=*)%[.-%]%1%]", ""):gsub("%-%-[^\n]*", "")
                      :gsub("%[(=*)%[.-%]%1%]", '""'):gsub('"[^"\n]*"', '""'):gsub("'[^'\n]*'", "''")
      for _, bad in ipairs { "%f[%w_]os%.", "%f[%w_]io%.", "%f[%w_]debug%.", "%f[%w_]package%.",
                             "%f[%w_]load%s*%(", "%f[%w_]loadstring", "%f[%w_]loadfile", "%f[%w_]dofile",
                             "%f[%w_]string%.dump", ":dump%s*%(", "%f[%w_]collectgarbage", "%f[%w_]rawequal%s*%(_G" } do
        assert.is_nil(code:find(bad), file .. " uses " .. bad)
      end
    end
  end)
end)
