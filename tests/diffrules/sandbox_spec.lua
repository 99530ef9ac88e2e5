-- The rule modules run inside the policy sandbox: base (without load,
-- loadfile, dofile, collectgarbage), string (without dump), table, math,
-- utf8 and a require for modules under lua/. Load them in such an
-- environment and run them, so a stray os.time or io call fails here.
local H = dofile((os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/diffrules/helpers.lua")
local SRC = (os.getenv("HH_SOURCE_DIR") or ".") .. "/lua/"

local function sandbox()
  local env = {}
  for _, name in ipairs { "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
                          "rawlen", "rawset", "select", "setmetatable", "getmetatable", "tonumber",
                          "tostring", "type", "xpcall", "_VERSION", "print" } do
    env[name] = _G[name]
  end
  local function copy(lib, drop)
    local t = {}
    for k, v in pairs(lib) do if k ~= drop then t[k] = v end end
    return t
  end
  env.string, env.table, env.math, env.utf8 = copy(string, "dump"), copy(table), copy(math), copy(utf8)
  env._G = env
  local loaded = {}
  function env.require(name)
    if loaded[name] ~= nil then return loaded[name] end
    assert(name:match("^[%w_.]+$"), "bad module name")
    local path = SRC .. name:gsub("%.", "/") .. ".lua"
    local f = io.open(path, "rb")
    if not f then error("module '" .. name .. "' not found", 2) end
    local text = f:read("a"); f:close()
    local chunk = assert(load(text, "@" .. path, "t", env))
    local value = chunk(name)
    loaded[name] = value == nil and true or value
    return loaded[name]
  end
  return env
end

describe("diffrules in the policy sandbox", function()
  it("load and run with only the sandbox's libraries", function()
    local env = sandbox()
    local json = env.require("hh.json")
    local time = env.require("hh.time")
    assert.equals(1333565531, time.parse("2012-04-04T18:52:11Z"))
    local rows = {}
    for i = 1, 30 do
      rows[i] = H.row { name = "s" .. i, image_path = [[C:\Windows\System32\s.exe]], last_write_epoch = 1.5e9 + i }
      rows[#rows + 1] = H.row { set = 2, name = "s" .. i, image_path = [[C:\Windows\System32\s.exe]], last_write_epoch = 1.5e9 + i }
    end
    local golden = assert(json.decode_lines(assert(json.encode(rows[1])) .. "\n"))
    local input = H.input(rows, { baseline = { rows = golden }, since = 1.5e9 })
    for _, mod in ipairs { "hh.rules.baseline", "hh.rules.controlset", "hh.rules.time" } do
      for _, rule in ipairs(env.require(mod)) do
        assert.is_table(rule.evaluate(input, {}), rule.id)
      end
    end
    input.since = nil
    for _, rule in ipairs(env.require("hh.rules.time")) do
      assert.is_table(rule.evaluate(input, {}), rule.id)
    end
  end)

  it("never mention os, io, package, debug, load or dofile", function()
    for _, file in ipairs { "hh/json.lua", "hh/time.lua", "hh/diff.lua", "hh/paths.lua",
                            "hh/rules/baseline.lua", "hh/rules/controlset.lua", "hh/rules/time.lua" } do
      local f = assert(io.open(SRC .. file, "rb"))
      local text = f:read("a"):gsub("%-%-[^\n]*", "") -- code, not comments
      f:close()
      for _, word in ipairs { "os", "io", "package", "debug", "load", "loadfile", "dofile", "collectgarbage" } do
        assert.is_nil(text:find("%f[%w_]" .. word .. "%f[^%w_]%s*[%.%(:]"), file .. " uses " .. word)
      end
    end
  end)
end)
