-- service-deleted: a service key that is no longer in the live tree but was
-- recovered from unallocated cells of the hive (the host's raw layer reads
-- them; such rows carry recovered = true). PsExec and its kin delete their
-- service when done, so the leftover key is often the only trace. The other
-- rules still run on the recovered row (its path, its name); this one says
-- plainly that the key is deleted, so it is never read as live.
local T_SERVICE = "T1543.003"

return {
  {
    id = "service-deleted", technique = T_SERVICE, severity = "medium", weight = 4,
    message = "deleted service key recovered from unallocated space (not live)",
    evaluate = function(input)
      local hits = {}
      local rows = input.rows or {}
      for i = 1, #rows do
        local row = rows[i]
        if row.recovered == true then
          hits[#hits + 1] = {
            row = row,
            evidence = { recovered = true, key = row.key, last_write = row.last_write,
                         image_path = row.image_path, service_dll = row.service_dll },
          }
        end
      end
      return hits
    end,
  },
}
