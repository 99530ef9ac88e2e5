-- A plausible host for looking at the html report: a Windows 7 install bulk
-- (2009-07-14), patch days in 2010-2012, and a PsExec-style intrusion burst on
-- 2012-11-20 with a swapped ServiceDll (seen only in the Parameters key's time). Deterministic (a fixed LCG), so the
-- report it gives is the same every run.
local seed = 12345
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return (seed // 65536) % n
end
local function iso(t) return os.date("!%Y-%m-%dT%H:%M:%SZ", t) end
local install = 1247547210 -- 2009-07-14T04:53:30Z
local patch_days = { 1263340800, 1286928000, 1300147200, 1318291200, 1336521600, 1347321600 }
local rows = {}
local function add(name, t, fields)
  for _, cs in ipairs { "ControlSet001", "ControlSet002" } do
    local r = { name = name, control_set = cs, current = cs == "ControlSet001", last_write = iso(t), last_write_epoch = t,
      key = cs .. "\\Services\\" .. name, hive = "E:\\case17\\WS-FIN-07\\C\\Windows\\System32\\config\\SYSTEM",
      display_name = name, start = 3, start_name = "demand", type = 16, type_name = "own_process",
      object_name = "LocalSystem", image_path = "%SystemRoot%\\system32\\" .. name:lower() .. ".exe" }
    for k, v in pairs(fields or {}) do r[k] = v end
    rows[#rows + 1] = r
  end
end
for i = 1, 330 do
  local t = install + rand(1800)
  if rand(6) == 0 then t = patch_days[rand(#patch_days) + 1] + rand(7200) end
  add(string.format("Svc%03d", i), t)
end
local burst = 1353377580 -- 2012-11-20T02:13:00Z
add("PSEXESVC", burst, { image_path = "%SystemRoot%\\PSEXESVC.exe", display_name = "PSEXESVC" })
add("WinDefend", burst + 95, { start = 4, start_name = "disabled", type = 32, type_name = "share_process",
  image_path = "%SystemRoot%\\System32\\svchost.exe -k secsvcs", service_dll = "%ProgramFiles%\\Windows Defender\\mpsvc.dll" })
-- The ServiceDll swap moved only the Parameters key's time: the service key
-- still shows install day.
add("Netman", install + 300, { parameters_last_write = iso(burst + 140), type = 32, type_name = "share_process", image_path = "%SystemRoot%\\System32\\svchost.exe -k LocalSystemNetworkRestricted",
  service_dll = "C:\\Users\\Public\\Libraries\\netcfg.dll" })
table.sort(rows, function(a, b)
  if a.last_write_epoch ~= b.last_write_epoch then return a.last_write_epoch > b.last_write_epoch end
  if a.name ~= b.name then return a.name < b.name end
  return a.control_set < b.control_set
end)
local function finding(rule, sev, score, name, msg, ev)
  local r
  for _, x in ipairs(rows) do if x.name == name and x.control_set == "ControlSet001" then r = x end end
  return { rule = rule, technique = "T1543.003", severity = sev, score = score, service = name, display_name = r.display_name,
    control_set = r.control_set, current = true, key = r.key, last_write = r.last_write, image_path = r.image_path,
    service_dll = r.service_dll, object_name = r.object_name, start = r.start, start_name = r.start_name, type = r.type,
    type_name = r.type_name, message = msg, evidence = ev, hive = r.hive, plugin = "services" }
end
local findings = {
  finding("known-tool", "critical", 95, "PSEXESVC", "PsExec's service (remote execution)", { matched = "psexesvc" }),
  finding("svchost-dll-outside-system32", "high", 80, "Netman", "shared-process service's ServiceDll outside System32",
    { service_dll = "C:\\Users\\Public\\Libraries\\netcfg.dll", expected = "%SystemRoot%\\System32\\netman.dll" }),
  finding("path-user-writable", "high", 75, "Netman", "ServiceDll under C:\\Users\\Public", { dir = "C:\\Users\\Public" }),
  finding("lastwrite-cluster", "medium", 45, "WinDefend", "3 service keys written within 3 minutes, 3 years after the install bulk",
    { burst_start = "2012-11-20T02:13:00Z", keys = 3 }),
  finding("path-windows-root", "low", 20, "PSEXESVC", "binary directly in the Windows directory", {}),
}
return { kind = "findings", findings = findings, rows = rows,
  meta = { host = "WS-FIN-07", hive = "E:\\case17\\WS-FIN-07\\C\\Windows\\System32\\config\\SYSTEM", hive_kind = "SYSTEM",
    dirty = true, replayed = true, log_entries_applied = 14,
    software = "E:\\case17\\WS-FIN-07\\C\\Windows\\System32\\config\\SOFTWARE",
    warnings = { "SYSTEM.LOG2 absent: replayed SYSTEM.LOG1 only" }, tool = "hivehunt 0.1.0", generated = "2026-11-28T18:40:00Z" } }
