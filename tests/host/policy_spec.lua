-- Local policies over the shipped one: --policy layers, the user layer in
-- $XDG_CONFIG_HOME/hivehunt, --arg, validation messages, `hivehunt rules`.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))
local cjson = require "cjson"
local SYSTEM, SOFTWARE = fixtures .. "/demo/SYSTEM", fixtures .. "/demo/SOFTWARE"

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
local function write(p, text) local f = assert(io.open(p, "wb")); f:write(text); f:close(); return p end

local tmp = os.tmpname()
os.remove(tmp)
os.execute("mkdir -p " .. sh(tmp .. "/xdg/hivehunt"))

-- Runs hivehunt; returns code, stdout, stderr. env: extra "K=V" prefix.
local function run(args, env)
  local cmd = (env or "") .. " " .. sh(bin)
  for _, a in ipairs(args) do cmd = cmd .. " " .. sh(a) end
  local out, err = tmp .. "/out", tmp .. "/err"
  local _, _, code = os.execute(cmd .. " >" .. out .. " 2>" .. err)
  return code, slurp(out), slurp(err)
end

local function findings(args, env)
  local code, out, err = run(args, env)
  assert(code == 0, "exit " .. tostring(code) .. ": " .. err)
  local list, by = {}, {}
  for line in out:gmatch("[^\n]+") do
    local f = cjson.decode(line)
    list[#list + 1] = f
    by[f.rule] = by[f.rule] or {}
    table.insert(by[f.rule], f)
  end
  return list, by
end

local NOXDG = "XDG_CONFIG_HOME=" .. sh(tmp .. "/none")
local base = { "hunt", SYSTEM, "--software", SOFTWARE, "--format", "jsonl" }
local function with(extra)
  local t = {}
  for _, a in ipairs(base) do t[#t + 1] = a end
  for _, a in ipairs(extra) do t[#t + 1] = a end
  return t
end

describe("local policies", function()
  teardown(function() os.execute("rm -rf " .. sh(tmp)) end)

  it("extend adds, disables, re-weights and allowlists", function()
    local _, shipped = findings(base, NOXDG)
    assert.truthy(shipped["binary-impersonation"], "the demo has a finding to disable")
    local p = write(tmp .. "/mine.lua", [[
local services = require "services"
return services.extend {
  rules = { { id = "local-temp-svchost", technique = "T1543.003", severity = "high", weight = 5,
              message = "svchost.exe run from Temp",
              match = function(svc) return (svc.image_path or ""):lower():find("temp\\svchost", 1, true) and {} end } },
  disable = { "binary-impersonation" },
  weights = { ["security-service-disabled"] = 1 },
  allow = { { rule = "path-programdata", service = "SessionEnv" } },
}
]])
    local _, by = findings(with { "--policy", p }, NOXDG)
    assert.truthy(by["local-temp-svchost"])
    assert.are.equal("MsUpdateSvc", by["local-temp-svchost"][1].service)
    assert.is_nil(by["binary-impersonation"])
    assert.is_nil(by["path-programdata"])
    assert.truthy(shipped["path-programdata"])
    for _, f in ipairs(by["security-service-disabled"]) do
      local before
      for _, g in ipairs(shipped["security-service-disabled"]) do
        if g.control_set == f.control_set then before = g end
      end
      assert.are.equal(before.score - 5, f.score, "weight 6 -> 1 lowers the service's score by 5")
    end
  end)

  it("layers the user directory, then each --policy, in order", function()
    write(tmp .. "/xdg/hivehunt/services.lua", [[
return require("services").extend { disable = { "path-user-writable" } }
]])
    local second = write(tmp .. "/second.lua", [[
local prev = require "services"
for _, r in ipairs(prev.rules) do assert(r.id ~= "path-user-writable", "the user layer is below this one") end
return prev.extend { disable = { "lastwrite-cluster" } }
]])
    local env = "XDG_CONFIG_HOME=" .. sh(tmp .. "/xdg")
    local _, by = findings(with { "--policy", second }, env)
    assert.is_nil(by["path-user-writable"])
    assert.is_nil(by["lastwrite-cluster"])
    assert.truthy(by["binary-impersonation"])
    local code, out = run({ "rules", "--policy", second }, env)
    assert.are.equal(0, code)
    assert.truthy(out:find("policy layers: services > " .. tmp .. "/xdg/hivehunt/services.lua > " .. second, 1, true), out)
    assert.truthy(out:match("path%-user%-writable%s+T1543%.003%s+high%s+%S+%s+disabled%s+%S*lua/services%.lua"), out)
    assert.truthy(out:match("lastwrite%-cluster%s+%S+%s+%S+%s+%S+%s+disabled%s+%S*hh/rules/time%.lua"), out)
    os.remove(tmp .. "/xdg/hivehunt/services.lua")
  end)

  it("lets a file replace the shipped policy outright", function()
    local p = write(tmp .. "/own.lua", [[
return {
  name = "services", description = "only one rule", hives = { "SYSTEM" },
  evaluate = function(input)
    local out = {}
    for _, row in ipairs(input.rows) do
      if row.name == "WinDefend" and row.current then
        out[#out + 1] = { rule = "own-rule", severity = "info", score = 1, service = row.name,
                          message = "seen " .. (input.args.greeting or "?") }
      end
    end
    return out
  end,
}
]])
    local list = findings(with { "--policy", p, "--arg", "services.greeting=hello", "--arg", "other.x=1" }, NOXDG)
    assert.are.equal(1, #list)
    assert.are.equal("own-rule", list[1].rule)
    assert.are.equal("seen hello", list[1].message)
    assert.are.equal("services", list[1].plugin)
  end)

  it("names the file and the field when a local policy is wrong", function()
    local p = write(tmp .. "/bad_field.lua", [[
return require("services").extend { disable = { "no-such-rule" } }
]])
    local code, out, err = run(with { "--policy", p }, NOXDG)
    assert.are.equal(4, code)
    assert.are.equal("", out)
    assert.truthy(err:find("bad_field.lua", 1, true), err)
    assert.truthy(err:find("no-such-rule", 1, true), err)
    local q = write(tmp .. "/no_evaluate.lua", [[return { name = "x", description = "y", hives = {} }]])
    code, _, err = run(with { "--policy", q }, NOXDG)
    assert.are.equal(4, code)
    assert.truthy(err:find("no_evaluate.lua: policy field 'evaluate' must be a function", 1, true), err)
    local r = write(tmp .. "/bad_finding.lua", [[
return { name = "services", description = "d", hives = {},
  evaluate = function() return { { rule = "r", message = "m", severity = "severe" } } end }
]])
    code, _, err = run(with { "--policy", r }, NOXDG)
    assert.are.equal(4, code)
    assert.truthy(err:find("field 'severity' must be one of", 1, true), err)
  end)
end)
