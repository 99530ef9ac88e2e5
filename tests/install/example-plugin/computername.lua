-- The computername plugin's policy. It runs in hivehunt's sandbox after the
-- services plugin (the descriptor's reads_rows_of), so the service rows of
-- the same hive are at input.previous.services.
local M = {
  name = "computername",
  description = "names the machine and counts its services; flags a name that differs between control sets",
  categories = { "example" },
  hives = { "SYSTEM" },
}

function M.evaluate(input)
  local services = input.previous and input.previous.services or {}
  local current, counts = nil, {}
  for _, svc in ipairs(services) do
    counts[svc.control_set] = (counts[svc.control_set] or 0) + 1
    if svc.current then current = svc.control_set end
  end

  local findings, names = {}, {}
  for _, row in ipairs(input.rows) do
    if row.computer_name then names[#names + 1] = row end
  end
  for _, row in ipairs(names) do
    if row.control_set == current then
      findings[#findings + 1] = {
        rule = "computername-current", severity = "info", score = 0,
        key = row.key, last_write = row.last_write, control_set = row.control_set, current = true,
        message = ("computer %s: %d services in %s (current)")
          :format(row.computer_name, counts[current] or 0, current),
        evidence = { computer_name = row.computer_name, services = counts[current] or 0 },
      }
    end
  end
  for i = 2, #names do
    if names[i].computer_name ~= names[1].computer_name then
      findings[#findings + 1] = {
        rule = "computername-differs", severity = "low", score = 1,
        key = names[i].key, last_write = names[i].last_write, control_set = names[i].control_set,
        message = ("%s names the computer %s, %s %s")
          :format(names[1].control_set, names[1].computer_name, names[i].control_set, names[i].computer_name),
      }
    end
  end
  return findings
end

return M
