-- --plugin chains: a second plugin runs after services, collects from the
-- same hive, and its policy reads the services rows at input.previous.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))
local build = assert(os.getenv("HH_BUILD_DIR"))
local cjson = require "cjson"

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

describe("plugin chain", function()
  it("runs plugins in order and hands the earlier rows to the later policy", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. sh(dir .. "/plugins") .. " " .. sh(dir .. "/xdg/hivehunt")))
    assert(os.execute("cp " .. sh(build .. "/plugins/services.so") .. " " .. sh(build .. "/tests/testplugins/chaintest.so")
      .. " " .. sh(dir .. "/plugins/")))
    local f = assert(io.open(dir .. "/xdg/hivehunt/chaintest.lua", "w"))
    f:write([[
return {
  name = "chaintest", description = "counts what the services plugin saw", hives = { "SYSTEM" },
  evaluate = function(input)
    local svc = input.previous and input.previous.services or {}
    local current = 0
    for _, r in ipairs(svc) do if r.current then current = current + 1 end end
    return { { rule = "chain-seen", technique = "T1543.003", severity = "info", score = 0,
               service = "root", message = ("services rows %d (current %d); root subkeys %d")
                 :format(#svc, current, input.rows[1].subkeys) } }
  end,
}
]])
    f:close()
    local p = io.popen(("XDG_CONFIG_HOME=%s %s hunt %s --plugin-dir %s --plugin services --plugin chaintest --format jsonl 2>&1")
      :format(sh(dir .. "/xdg"), sh(bin), sh(fixtures .. "/demo/SYSTEM"), sh(dir .. "/plugins")))
    local out = p:read("a")
    local ok = p:close()
    assert.is_true(ok, out)
    local chain, services = nil, 0
    for line in out:gmatch("[^\n]+") do
      if line:sub(1, 1) == "{" then
        local finding = cjson.decode(line)
        if finding.plugin == "chaintest" then chain = finding else services = services + 1 end
      end
    end
    assert.truthy(chain, out)
    assert.is_true(services > 0)
    local total, current, subkeys = chain.message:match("services rows (%d+) %(current (%d+)%); root subkeys (%d+)")
    assert.is_true(tonumber(total) > tonumber(current) and tonumber(current) > 0, chain.message)
    assert.is_true(tonumber(subkeys) >= 3, chain.message)
    os.execute("rm -rf " .. sh(dir))
  end)
end)
