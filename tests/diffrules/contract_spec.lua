-- The rule modules as the services policy loads them: every rule must pass
-- the policy framework's own rule check (hh.policy.check_rule), which refuses
-- unknown fields. Skipped while hh.policy is not on this branch.
local H = dofile((os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/diffrules/helpers.lua")

describe("diffrules rule modules", function()
  local have_policy, policy = pcall(require, "hh.policy")

  it("return arrays of set rules with distinct ids", function()
    local seen = {}
    for _, mod in ipairs { "hh.rules.baseline", "hh.rules.controlset", "hh.rules.time" } do
      local rules = require(mod)
      assert.is_true(#rules > 0, mod)
      for _, rule in ipairs(rules) do
        H.check_contract(rule)
        assert.is_nil(seen[rule.id], rule.id)
        seen[rule.id] = true
        for k in pairs(rule) do
          assert.truthy(({ id = 1, technique = 1, severity = 1, weight = 1, message = 1, evaluate = 1, fact = 1 })[k],
            rule.id .. " has extra field " .. tostring(k))
        end
      end
    end
    assert.equals(11, (function() local n = 0; for _ in pairs(seen) do n = n + 1 end; return n end)())
  end)

  local check = have_policy and it or pending
  check("pass hh.policy.check_rule", function()
    for _, mod in ipairs { "hh.rules.baseline", "hh.rules.controlset", "hh.rules.time" } do
      for i, rule in ipairs(require(mod)) do
        assert.is_table(policy.check_rule(rule, mod .. "[" .. i .. "]"))
      end
    end
  end)
end)
