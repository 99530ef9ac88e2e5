-- The command line on bad input: one line naming the file and the reason,
-- the documented exit code, nothing on stdout.
local bin = assert(os.getenv("HH_BIN"), "HH_BIN not set")
local corpus = os.getenv("HH_CORPUS") or ""

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs hivehunt with args; returns exit code, stdout, stderr.
local function run(args)
  local out, err = os.tmpname(), os.tmpname()
  local cmd = sh_quote(bin)
  for _, a in ipairs(args) do cmd = cmd .. " " .. sh_quote(a) end
  local _, _, code = os.execute(cmd .. " >" .. out .. " 2>" .. err .. " </dev/null")
  local function slurp(p) local f = io.open(p, "rb"); local s = f:read("a"); f:close(); os.remove(p); return s end
  return code, slurp(out), slurp(err)
end

local function tmpfile(bytes)
  local p = os.tmpname()
  local f = assert(io.open(p, "wb")); f:write(bytes); f:close()
  return p
end

local function one_line(s) return select(2, s:gsub("\n", "")) == 1 end

describe("hivehunt usage", function()
  it("exits 2 on an unknown command or option", function()
    local code, _, err = run { "frobnicate" }
    assert.are.equal(2, code)
    assert.truthy(err:find("unknown command 'frobnicate'", 1, true))
    code = run { "hunt", "--no-such-option", "x" }
    assert.are.equal(2, code)
    code, _, err = run { "hunt", "x", "--fail-on", "severe" }
    assert.are.equal(2, code)
    assert.truthy(err:find("not a severity", 1, true))
    code, _, err = run { "hunt", "x", "--since", "yesterday" }
    assert.are.equal(2, code)
    assert.truthy(err:find("ISO 8601", 1, true))
  end)
  it("prints help with exit 0", function()
    local code, out = run { "--help" }
    assert.are.equal(0, code)
    assert.truthy(out:find("hunt", 1, true))
  end)
end)

describe("hivehunt hunt on bad input", function()
  local random = {}
  for i = 1, 9000 do random[i] = string.char((i * 131) % 256) end
  local cases = {
    { "missing file", "/nonexistent/case/SYSTEM", "No such file or directory" },
    { "directory", "/tmp", "is a directory" },
    { "empty file", tmpfile(""), "empty file" },
    { "random bytes", tmpfile(table.concat(random)), "no regf signature" },
    { "text file", tmpfile("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM]\r\n"), "no regf signature" },
  }
  for _, c in ipairs(cases) do
    local name, path, why = c[1], c[2], c[3]
    it("refuses a " .. name .. " with exit 3 and one line", function()
      for _, cmd in ipairs { "hunt", "services" } do
        local code, out, err = run { cmd, path }
        assert.are.equal(3, code, cmd .. ": " .. err)
        assert.are.equal("", out)
        assert.truthy(one_line(err), err)
        assert.truthy(err:find(path, 1, true), err)
        assert.truthy(err:find(why, 1, true), err)
      end
    end)
  end
  it("refuses, as a usage error, a user hive when no installed plugin reads one", function()
    local p = corpus .. "/regipy/NTUSER.DAT"
    if not io.open(p) then return pending("corpus absent") end
    -- only the services plugin installed: none reads user hives
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. sh_quote(dir) .. " && cp " .. sh_quote(os.getenv("HH_BUILD_DIR") .. "/plugins/services.so")
      .. " " .. sh_quote(dir)))
    local saved = bin
    bin = "env"
    local code, out, err = run { "HIVEHUNT_PLUGIN_PATH=", saved, "hunt", p, "--plugin-dir", dir }
    bin = saved
    -- services names its plugin: a hive it cannot read is an input error, one line
    local scode, _, serr = run { "services", p }
    os.execute("rm -rf " .. sh_quote(dir))
    assert.are.equal(3, scode)
    assert.truthy(one_line(serr), serr)
    assert.truthy(serr:find("given to the services plugin, which cannot read it (NTUSER)", 1, true), serr)
    assert.are.equal(2, code)
    assert.truthy(err:find("plugin services skipped: no hive of a kind it needs: SYSTEM", 1, true), err)
    assert.are.equal(2, select(2, err:gsub("\n", "")), err) -- the plugin skipped, then the error
    assert.truthy(err:find(p .. ": a hive of kind NTUSER, which no installed plugin reads", 1, true), err)
    assert.are.equal("", out)
  end)
  it("refuses two SYSTEM hives in one run with one line", function()
    local p = corpus .. "/regipy/SYSTEM"
    if not io.open(p) then return pending("corpus absent") end
    local code, _, err = run { "hunt", p, "--software", p }
    assert.are.equal(2, code)
    assert.truthy(one_line(err), err)
    assert.truthy(err:find("a second SYSTEM hive (the first is " .. p .. ")", 1, true), err)
  end)
end)

describe("hivehunt lua", function()
  it("runs a script with arg and hh.regf", function()
    local s = tmpfile('local r = require "hh.regf"\nprint(arg[0] ~= nil, arg[1], select("#", ...), type(r.open))\n')
    local code, out = run { "lua", s, "one", "two" }
    assert.are.equal(0, code)
    assert.are.equal("true\tone\t2\tfunction\n", out)
  end)
  it("reports a failing script with exit 4", function()
    local s = tmpfile('error("deliberate")\n')
    local code, _, err = run { "lua", s }
    assert.are.equal(4, code)
    assert.truthy(err:find("deliberate", 1, true))
  end)
  it("reports a missing script with exit 3", function()
    local code, _, err = run { "lua", "/nonexistent.lua" }
    assert.are.equal(3, code)
    assert.truthy(err:find("/nonexistent.lua", 1, true))
  end)
end)

describe("hivehunt services --log", function()
  it("replays logs named on the command line when none lie beside the hive", function()
    local src = corpus .. "/regipy/SYSTEM_B"
    if not io.open(src) then return pending("corpus absent") end
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. sh_quote(dir) .. " && cp " .. sh_quote(src) .. " " .. sh_quote(dir .. "/SYSTEM")))
    local function current_rows(extra)
      local args = { "services", dir .. "/SYSTEM", "--format", "jsonl" }
      for _, a in ipairs(extra) do args[#args + 1] = a end
      local code, out, err = run(args)
      assert.are.equal(0, code, err)
      return select(2, out:gsub('"current":true', "")), err
    end
    local n, err = current_rows {}
    assert.are.equal(655, n)
    assert.truthy(err:find("no transaction logs were found beside it", 1, true), err)
    n, err = current_rows { "--log", src .. ".LOG1", "--log", src .. ".LOG2" }
    assert.are.equal(656, n)
    assert.truthy(err:find("replayed 24 log entries", 1, true), err)
    os.execute("rm -rf " .. sh_quote(dir))
  end)
end)
