-- The userrun test plugin's policy: a Run value starting something under
-- ProgramData. Its findings leave hive, hive_kind and user out on purpose:
-- the host fills them from the row the finding's key and value name.
return {
  name = "userrun", description = "test: user Run values under ProgramData", hives = { "NTUSER" },
  evaluate = function(input)
    local out = {}
    for _, r in ipairs(input.rows) do
      if type(r.launches) == "string" and r.launches:lower():find("programdata", 1, true) then
        out[#out + 1] = { rule = "userrun-programdata", technique = "T1547.001", severity = "medium", score = 4,
                          service = r.name, key = r.key, value = r.value, last_write = r.last_write,
                          message = "user Run value starts a program under ProgramData" }
      end
    end
    return out
  end,
}
