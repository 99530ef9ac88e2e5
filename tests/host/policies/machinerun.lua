-- The machinerun test plugin's policy: every machine Run value, at info,
-- unless the baseline (--baseline DIR, a golden host) holds the same value;
-- its findings name neither hive nor kind (the host fills both).
return {
  name = "machinerun", description = "test: machine Run values", hives = { "SOFTWARE" },
  evaluate = function(input)
    local out, known = {}, {}
    for _, r in ipairs(input.baseline and input.baseline.rows or {}) do known[r.value .. "=" .. tostring(r.binary)] = true end
    for _, r in ipairs(input.rows) do
      if not known[r.value .. "=" .. tostring(r.binary)] then out[#out + 1] = { rule = "machinerun-value", technique = "T1547.001", severity = "info", score = 0,
                        service = r.name, key = r.key, value = r.value, last_write = r.last_write,
                        message = "machine Run value" } end
    end
    return out
  end,
}
