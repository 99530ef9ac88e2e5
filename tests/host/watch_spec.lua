-- hunt --watch: edit a policy file while hivehunt watches and see the
-- changed findings. Nothing here is timed: the spec waits for what
-- hivehunt prints (with a generous give-up), never for a fixed delay.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function slurp(p) local f = io.open(p, "rb"); if not f then return "" end local s = f:read("a"); f:close(); return s end
-- Saves atomically, as editors do, so the watcher never sees half a file.
local function write(p, text)
  local f = assert(io.open(p .. ".tmp", "wb")); f:write(text); f:close()
  assert(os.rename(p .. ".tmp", p))
end

-- Polls until predicate() or about 60 s pass.
local function wait_for(predicate)
  for _ = 1, 600 do
    if predicate() then return true end
    os.execute("sleep 0.1")
  end
  return predicate()
end

describe("hunt --watch", function()
  it("re-runs the policy on save and prints what changed", function()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. sh(dir))
    local policy, out, err, done = dir .. "/local.lua", dir .. "/out", dir .. "/err", dir .. "/done"
    write(policy, 'return require("services").extend { disable = { "lastwrite-cluster" } }\n')
    os.execute(("{ XDG_CONFIG_HOME=%s %s hunt %s --software %s --policy %s --watch --watch-runs 4 --max-cpu 0.5 >%s 2>%s; echo $? >%s; } &")
      :format(sh(dir .. "/none"), sh(bin), sh(fixtures .. "/demo/SYSTEM"), sh(fixtures .. "/demo/SOFTWARE"),
              sh(policy), sh(out), sh(err), sh(done)))
    assert.is_true(wait_for(function() return slurp(err):find("watching", 1, true) ~= nil end), slurp(err))
    assert.truthy(slurp(out):find("binary-impersonation", 1, true))
    assert.is_nil(slurp(out):find("lastwrite-cluster", 1, true))

    -- Save 1: the cluster rule comes back, name-random... whatever the
    -- demo has: the findings of lastwrite-cluster are added.
    write(policy, 'return require("services").extend { disable = { "binary-impersonation" } }\n')
    assert.is_true(wait_for(function() return slurp(out):find("== run 2", 1, true) ~= nil end), slurp(out))
    local run2 = slurp(out):match("== run 2.*")
    assert.truthy(run2:find("\n%+ %a+ [%d.]+ lastwrite%-cluster MsUpdateSvc"), run2)
    assert.truthy(run2:find("\n%- %a+ [%d.]+ binary%-impersonation MsUpdateSvc"), run2)

    -- Save 2: a broken policy is reported and the loop goes on.
    write(policy, 'return require("services").extend { disable = { "no-such-rule" } }\n')
    assert.is_true(wait_for(function() return slurp(out):find("== run 3", 1, true) ~= nil end), slurp(out))
    assert.truthy(slurp(out):find("== run 3: policy error: [^\n]*no%-such%-rule"), slurp(out))

    -- Save 3: a rule that never returns is stopped by the CPU cap (armed
    -- again for the re-run), named by file and line; the loop goes on to its end.
    write(policy, 'return require("services").extend { rules = { { id = "spin", technique = "T1543.003",\n'
      .. '  severity = "high", message = "spins", match = function(svc) while true do end end } } }\n')
    assert.is_true(wait_for(function() return slurp(done) ~= "" end), slurp(out))
    assert.truthy(slurp(out):find("== run 4: policy error: [^\n]*local%.lua:2: CPU time limit exceeded"), slurp(out))
    assert.are.equal("0\n", slurp(done))
    os.execute("rm -rf " .. sh(dir))
  end)
end)
