-- The scheduled tasks policy (ATT&CK T1053.005): rules over the rows of
-- plugin.tasks (one per task of SOFTWARE's TaskCache, with decoded actions).
--
-- Rules are data, like the services policy's, and an analyst extends them
-- the same way:
--   local tasks = require "tasks"
--   return tasks.extend {
--     allow = { { rule = "action-programdata", task = [[\Vendor\Agent Update]],
--                 note = "our estate's backup agent" } },
--     weights = { ["creation-burst"] = 0 },
--   }
-- An allow entry names a rule and a task path (`task`), or a directory
-- (`dir`) or Lua pattern (`path`) matched against the normalised binary the
-- finding names.
--
-- Pure Lua 5.4 (base, string, table, math): runs in the policy sandbox.

local paths = require "hh.paths"
local policy = require "hh.policy"
local commands = require "hh.commands"
local time = require "hh.time"

local T_TASK = "T1053.005"

local SYSTEM32 = paths.SYSTEM32
local WINDOWS = paths.WINDOWS

-- Data ---------------------------------------------------------------------

local USER_WRITABLE = commands.USER_WRITABLE
local PROGRAMDATA = commands.PROGRAMDATA
local INTERPRETERS = commands.INTERPRETERS
local SCRIPT_EXT = commands.SCRIPT_EXT

-- Where the programs of Microsoft's own tasks live (the Windows directory and
-- below, minus its user-writable corners, and Defender's homes).
local MICROSOFT_HOMES = commands.canonical {
  [[c:\windows]],
  [[c:\program files\windows defender]],
  [[c:\programdata\microsoft\windows defender\platform]],
  [[c:\program files\common files\microsoft shared]],
}

-- Directories whose DLLs rundll32/regsvr32 load without suspicion.
local SYSTEM_DLL_HOMES = commands.canonical { [[c:\windows\system32]], [[c:\windows\syswow64]], [[c:\windows]] }

-- Authors Microsoft's tasks carry: the company, or a resource reference
-- ("$(@%SystemRoot%\system32\wininet.dll,-16000)") Windows resolves at display.
local MICROSOFT_AUTHORS = { "^microsoft", "^%$%(@" }

-- Names of stock tasks under \Microsoft\Windows\ that an impostor copies
-- outside it (lowercase); the hive's own \Microsoft\Windows\ tasks are added
-- per run.
local STOCK_TASK_NAMES = {
  "scheduleddefrag", "silentcleanup", "microsoft compatibility appraiser", "programdataupdater",
  "consolidator", "queuereporting", "regidlebackup", "mapsupdatetask", "mapstoasttask",
  "scheduled start", "schedule scan", "synchronizetime", "winsat", "usbceip",
  "msctfmonitor", "cachetask", "startupapptask", "verifiedpublishercertstorecheck",
}

-- Marks of a command that fetches or runs remote code, beyond COMMAND_MARKERS.
local REMOTE_MARKERS = { "http://", "https://", "ftp://", "\\\\", "javascript:", "vbscript:", "scrobj.dll", "/i:" }

-- Legitimate tasks that trip a rule on stock or common systems. Each entry is
-- an allow entry (the shape extend{allow=} takes) with a note.
local ALLOW = {
  { rule = "action-user-writable", path = [[^c:\users\[^\]+\appdata\local\microsoft\onedrive\]],
    note = "OneDrive installs per user and updates itself from the user's AppData" },
  { rule = "action-user-writable", path = [[^c:\users\[^\]+\appdata\local\microsoft\teams\]],
    note = "classic Teams' per-user updater" },
  { rule = "action-programdata", dir = [[c:\programdata\microsoft\windows defender\platform]],
    note = "Defender platform updates run MpCmdRun from ProgramData (Windows 10+)" },
  { rule = "action-programdata", dir = [[c:\programdata\microsoft\windows defender advanced threat protection]],
    note = "Defender for Endpoint tasks" },
}

-- Helpers ------------------------------------------------------------------

local function lower(s) return type(s) == "string" and s:lower() or nil end

local function strip_quotes(s)
  if type(s) ~= "string" then return nil end
  s = paths.trim(s)
  local inner = s:match('^"(.*)"$')
  return inner or s
end

-- The file a task's program names: Task Scheduler finds a bare name through
-- the system PATH (System32 first) and appends .exe to a name without an
-- extension.
local function program(raw)
  raw = strip_quotes(raw)
  if not raw or raw == "" then return nil end
  local p = paths.normalize(raw, SYSTEM32)
  if p and not paths.extension(p) then p = p .. ".exe" end
  return p
end

local under_list = paths.first_under

-- Per-row facts, derived once (ctx.facts): each action's program and what
-- runs it, and the binary allow entries are matched against.
local function facts(row, ctx)
  local f = { actions = {} }
  local lpath = lower(row.path) or ""
  f.path = lpath
  f.under_microsoft_windows = lpath:sub(1, 19) == "\\microsoft\\windows\\"
  f.top = lpath:match("^\\([^\\]+)")
  f.name = lower(row.name)
  for i, a in ipairs(type(row.actions) == "table" and row.actions or {}) do
    local x = { index = i, type = a.type }
    if a.type == "exec" then
      x.raw = a.command
      x.binary = program(a.command)
      x.args = a.arguments or ""
      local base = x.binary and paths.basename(x.binary)
      x.interpreter = base and INTERPRETERS[base]
      if base == "msiexec.exe" then x.interpreter = "msiexec" end
      if not x.interpreter and SCRIPT_EXT[paths.extension(x.binary or "") or ""] then x.interpreter = "script" end
      if x.interpreter and x.interpreter ~= "script" then
        local args = x.args
        if x.interpreter == "rundll32" or x.interpreter == "regsvr32" then
          -- switches before the DLL (/d, /s, /n, /u, /i:...) are not the DLL
          local rest = args
          repeat
            local before = rest
            rest = rest:gsub('^%s*/%S*', "", 1)
          until rest == before
          args = rest
        end
        local payload = commands.interpreter_payload(x.interpreter == "regsvr32" and "rundll32" or x.interpreter, args)
        if payload then x.payload = paths.normalize(payload, SYSTEM32) end
      end
    elseif a.type == "com" then
      x.raw = a.server
      x.binary = a.server and program(a.server) or nil
      x.clsid = a.clsid
      x.registered = a.registered
    end
    f.actions[#f.actions + 1] = x
    if not f.binary and x.binary then f.binary = x.binary end
  end
  return f
end

local function action_evidence(row, x, extra)
  local a = row.actions[x.index]
  local e = {
    action = x.index, type = x.type, command = a.command, arguments = a.arguments,
    clsid = a.clsid, server = a.server, normalized = x.binary,
  }
  for k, v in pairs(extra or {}) do e[k] = v end
  return e
end

-- Rules ----------------------------------------------------------------------

local rules = {}
local function rule(r) rules[#rules + 1] = r end

rule {
  id = "action-user-writable", technique = T_TASK, severity = "high", weight = 6,
  message = "task runs a program (or COM server, or script) from a user-writable directory",
  match = function(row, ctx)
    for _, x in ipairs(ctx.facts(row).actions) do
      local d = under_list(x.binary, USER_WRITABLE)
      if d then return action_evidence(row, x, { directory = d }) end
      d = under_list(x.payload, USER_WRITABLE)
      if d then return action_evidence(row, x, { payload = x.payload, directory = d }) end
    end
    return nil
  end,
}

rule {
  id = "action-programdata", technique = T_TASK, severity = "low", weight = 2,
  message = "task runs a program from ProgramData (vendors live there too)",
  match = function(row, ctx)
    for _, x in ipairs(ctx.facts(row).actions) do
      local d = under_list(x.binary, PROGRAMDATA) or under_list(x.payload, PROGRAMDATA)
      if d then return action_evidence(row, x, { directory = d, payload = x.payload }) end
    end
    return nil
  end,
}

local function has_any(line, list)
  local found = {}
  for _, m in ipairs(list) do
    if line:find(m, 1, true) then found[#found + 1] = m end
  end
  return #found > 0 and found or nil
end

rule {
  id = "action-interpreter", technique = T_TASK, severity = "medium", weight = 4,
  message = "task runs an interpreter or living-off-the-land binary",
  match = function(row, ctx)
    for _, x in ipairs(ctx.facts(row).actions) do
      local kind = x.interpreter
      if kind then
        local line = " " .. (x.args or ""):lower() .. " "
        local markers = commands.markers(x.args)
        local remote = has_any(line, REMOTE_MARKERS)
        local hit, severity = false, nil
        if kind == "rundll32" or kind == "regsvr32" then
          -- system DLLs through rundll32 are how Windows' own tasks run
          if remote then
            hit, severity = true, "high"
          elseif x.payload and not under_list(x.payload, SYSTEM_DLL_HOMES) then
            hit = true
          end
        elseif kind == "msiexec" then
          if remote then hit, severity = true, "high" end
        elseif kind == "script" then
          -- a script as the program itself: Windows ships a few in System32
          if not under_list(x.binary, MICROSOFT_HOMES) or under_list(x.binary, USER_WRITABLE) then hit = true end
        else
          hit = true
          if kind == "mshta" or remote or markers then severity = "high" end
        end
        if hit then
          return action_evidence(row, x, { interpreter = kind, payload = x.payload, markers = markers,
                                           remote = remote }), severity
        end
      end
    end
    return nil
  end,
}

rule {
  id = "hidden-task", technique = T_TASK, severity = "high", weight = 8,
  message = "task hidden from the Task Scheduler UI and schtasks: its Tree entry lacks SD or has Index 0",
  match = function(row)
    if not row.hidden then return nil end
    return { has_sd = row.has_sd, index = row.index, tree_key = row.tree_key }
  end,
}

rule {
  id = "tree-tasks-mismatch", technique = T_TASK, severity = "medium", weight = 4,
  message = "TaskCache Tree and Tasks disagree: the task is in one and not the other",
  match = function(row)
    if row.in_tree and row.in_tasks then return nil end
    return { in_tree = row.in_tree, in_tasks = row.in_tasks, tree_key = row.tree_key,
             task_key = row.task_key, lists = row.lists, guid = row.guid }
  end,
}

local function microsoft_author(author)
  local a = lower(author)
  if not a or a == "" then return true end
  for _, p in ipairs(MICROSOFT_AUTHORS) do
    if a:find(p) then return true end
  end
  return false
end

rule {
  id = "microsoft-folder-foreign", technique = T_TASK, severity = "medium", weight = 4,
  message = "task under \\Microsoft\\Windows\\ runs a non-system program or has a non-Microsoft author",
  match = function(row, ctx)
    local f = ctx.facts(row)
    if not f.under_microsoft_windows then return nil end
    for _, x in ipairs(f.actions) do
      if x.type == "exec" and x.binary and
          (not under_list(x.binary, MICROSOFT_HOMES) or under_list(x.binary, USER_WRITABLE)) then
        return action_evidence(row, x, { author = row.author, expected = MICROSOFT_HOMES })
      end
    end
    if not microsoft_author(row.author) then
      return { author = row.author, expected = "Microsoft" }
    end
    return nil
  end,
}

local MICROSOFT_BYTES = commands.bytes("microsoft")

rule {
  id = "name-imitation", technique = T_TASK, severity = "medium", weight = 4,
  message = "task path or name imitates a Microsoft task",
  match = function(row, ctx)
    local f = ctx.facts(row)
    local top = f.top
    if top and #top <= 64 and top ~= "microsoft" and commands.one_edit(commands.bytes(top), MICROSOFT_BYTES) then
      return { folder = top, imitates = "Microsoft" }
    end
    local at_root = f.name and not f.path:find("\\", 2, true)
    -- a stock task's name at the root (vendors keep their tasks in their
    -- own folders or under their own names; short names are too common)
    if at_root and #f.name >= 6 and ctx.stock_names[f.name] then
      return { name = row.name, imitates = ctx.stock_names[f.name] }
    end
    -- a root-level task named like Windows whose program is outside
    -- Windows and Program Files
    if at_root and (f.name:find("microsoft", 1, true) or f.name:find("windows", 1, true)) then
      for _, x in ipairs(f.actions) do
        if x.binary and not under_list(x.binary, { WINDOWS, [[c:\program files]], [[c:\program files (x86)]] }) then
          return action_evidence(row, x, { name = row.name })
        end
      end
    end
    return nil
  end,
}

rule {
  id = "com-handler-unregistered", technique = T_TASK, severity = "medium", weight = 4,
  message = "task's COM handler names a class this SOFTWARE hive does not register",
  match = function(row, ctx)
    if not ctx.input.classes then return nil end  -- nothing to look in
    for _, x in ipairs(ctx.facts(row).actions) do
      if x.type == "com" and x.registered == false then
        return action_evidence(row, x, { looked_in = [[Classes\CLSID]] })
      end
    end
    return nil
  end,
}

rule {
  id = "blob-undecodable", technique = T_TASK, severity = "medium", weight = 4,
  message = "task's Actions, Triggers or DynamicInfo value does not decode (tampered or corrupt)",
  match = function(row)
    if not (row.actions_error or row.triggers_error or row.dynamicinfo_error) then return nil end
    return {
      actions_error = row.actions_error, actions_raw = row.actions_raw,
      triggers_error = row.triggers_error, triggers_raw = row.triggers_raw,
      dynamicinfo_error = row.dynamicinfo_error, dynamicinfo_raw = row.dynamicinfo_raw,
    }
  end,
}

-- Times ------------------------------------------------------------------------

local function window_bound(v, name)
  if v == nil or type(v) == "number" then return v end
  local t, err = time.parse(v)
  if not t then error("created-in-window: --" .. name .. ": " .. err, 0) end
  return t
end

rule {
  id = "created-in-window", technique = T_TASK, severity = "low", weight = 2,
  message = "task created or written inside the given time window",
  evaluate = function(input)
    local since, till = window_bound(input.since, "since"), window_bound(input["until"], "until")
    if since == nil and till == nil then return {} end
    local hits = {}
    for _, row in ipairs(input.rows or {}) do
      for _, w in ipairs { { "created", "created" }, { "task_last_write", "Tasks key written" },
                           { "tree_last_write", "Tree key written" } } do
        local t = row[w[1] .. "_epoch"]
        if t and (since == nil or t >= since) and (till == nil or t <= till) then
          hits[#hits + 1] = {
            row = row,
            evidence = { since = since and time.format(since), ["until"] = till and time.format(till),
                         created = row.created, task_last_write = row.task_last_write,
                         tree_last_write = row.tree_last_write, which = w[1] },
            message = string.format("%s %s, inside the window", w[2], row[w[1]]),
          }
          break
        end
      end
    end
    return hits
  end,
}

-- creation-burst: the services policy's cluster method (hh.rules.time) over
-- each task's creation time (DynamicInfo), or its keys' LastWrite when that
-- is missing. The method rates each burst: medium when it is one of the few
-- unexplained bursts after the install, low when it comes before the bulk or
-- the hive holds many (installers register a handful of tasks at once, so
-- routine installs make many small bursts).
local time_rules = require "hh.rules.time"

rule {
  id = "creation-burst", technique = T_TASK, severity = "low", weight = 2,
  message = "task created in a burst far from the hive's install and update activity",
  evaluate = function(input)
    if input.since ~= nil or input["until"] ~= nil then return {} end
    local k = time_rules.effective_knobs(input, time_rules.knobs)
    local points = {}
    for _, row in ipairs(input.rows or {}) do
      local t = row.created_epoch or row.last_write_epoch
      if t then
        points[#points + 1] = { last_write_epoch = t, name = row.path or row.guid or "", task = row }
      end
    end
    local groups, n, nbursts = time_rules.find_bursts(points, k)
    local hits = {}
    for _, grp in ipairs(groups) do
      if grp.burst then
        local names = {}
        for i, m in ipairs(grp.members) do names[i] = m.row.name end
        local span = grp.last - grp.first
        local severity = grp.severity
        for _, m in ipairs(grp.members) do
          local row = m.row.task
          hits[#hits + 1] = {
            row = row, severity = severity,
            evidence = {
              burst_first = time.format(grp.first), burst_last = time.format(grp.last),
              burst_size = grp.size, burst_span_seconds = span, burst_members = names,
              nearest_bulk_days = math.floor(grp.distance / time.SECONDS_PER_DAY * 10 + 0.5) / 10,
              bursts_in_hive = nbursts, tasks_considered = n, created = row.created,
            },
            message = string.format("one of %d tasks created %s on %s, %s from the hive's bulk of tasks",
              grp.size, span == 0 and "in the same second" or ("within " .. time.duration(span)),
              time.format_date(grp.first), time.duration(grp.distance)),
          }
        end
      end
    end
    return hits
  end,
}

-- Baseline ----------------------------------------------------------------------
-- Against a golden SOFTWARE's task rows (input.baseline.rows): tasks by path,
-- case-insensitively; actions compared by type, normalised program,
-- arguments and CLSID.

local function action_signature(row)
  local parts = {}
  for _, a in ipairs(type(row.actions) == "table" and row.actions or {}) do
    local prog = a.command and program(a.command) or ""
    parts[#parts + 1] = table.concat({ a.type or "", prog, a.arguments or "", a.clsid or "", a.data or "" }, "\0")
  end
  return table.concat(parts, "\1")
end

local function index_rows(rows)
  local by = {}
  for _, r in ipairs(rows or {}) do
    local p = lower(r.path)
    if p then by[p] = r end
  end
  return by
end

local function baseline_pairs(input)
  local b = input.baseline
  if type(b) ~= "table" or type(b.rows) ~= "table" or #b.rows == 0 or #(input.rows or {}) == 0 then
    return nil
  end
  return index_rows(input.rows), index_rows(b.rows), b.source
end

-- A hit for each row whose path the other side's index lacks.
local function rows_absent(rows, index, source, removed)
  local hits = {}
  for _, row in ipairs(rows) do
    local p = lower(row.path)
    if p and not index[p] then
      hits[#hits + 1] = { row = row, evidence = { baseline = source, removed = removed } }
    end
  end
  return hits
end

rule {
  id = "baseline-task-added", technique = T_TASK, severity = "medium", weight = 4,
  message = "task absent from the baseline",
  evaluate = function(input)
    local new, old, source = baseline_pairs(input)
    if not new then return {} end
    return rows_absent(input.rows, old, source, nil)
  end,
}

rule {
  id = "baseline-task-removed", technique = T_TASK, severity = "low", weight = 2,
  message = "task of the baseline is gone",
  evaluate = function(input)
    local new, old, source = baseline_pairs(input)
    if not new then return {} end
    return rows_absent(input.baseline.rows, new, source, true)
  end,
}

rule {
  id = "baseline-action-changed", technique = T_TASK, severity = "high", weight = 6,
  message = "task's actions differ from the baseline",
  evaluate = function(input)
    local new, old, source = baseline_pairs(input)
    if not new then return {} end
    local hits = {}
    for _, row in ipairs(input.rows) do
      local p = lower(row.path)
      local was = p and old[p]
      if was and action_signature(was) ~= action_signature(row) then
        hits[#hits + 1] = { row = row, evidence = { baseline = source, old_actions = was.actions,
                                                    new_actions = row.actions } }
      end
    end
    return hits
  end,
}

-- Policy ------------------------------------------------------------------------

local function prepare(input, ctx)
  local names = {}
  for _, n in ipairs(STOCK_TASK_NAMES) do names[n] = "\\Microsoft\\Windows\\...\\" .. n end
  for _, row in ipairs(input.rows or {}) do
    local p = lower(row.path)
    if p and p:sub(1, 19) == "\\microsoft\\windows\\" and row.name then
      names[row.name:lower()] = row.path
    end
  end
  ctx.stock_names = names
end

-- A finding's task fields (the locating fields every plugin shares, and the
-- task's own).
local function describe(row, f)
  f.task = row.path
  f.path = row.path
  f.name = row.name
  f.guid = row.guid
  f.author = row.author
  f.actions = row.actions
  f.created = row.created
  f.key = row.key
  f.hive = row.hive
  f.hive_kind = row.hive_kind or "SOFTWARE"
  f.last_write = row.last_write
  local a = type(row.actions) == "table" and row.actions[1]
  if a then
    f.command = a.command and (a.arguments and (a.command .. " " .. a.arguments) or a.command) or a.clsid
  end
  if row.created then
    f.datetime = row.created
    f.timestamp_desc = "Task created (DynamicInfo)"
  elseif row.last_write then
    f.datetime = row.last_write
    f.timestamp_desc = "TaskCache key LastWrite"
  end
  f._epoch = row.created_epoch or row.last_write_epoch
end

return policy.new {
  name = "tasks",
  description = "Scheduled task persistence (ATT&CK T1053.005): tasks that run dropped binaries, "
    .. "interpreters or unregistered COM handlers, hidden tasks, Microsoft look-alikes",
  categories = { "persistence", "execution", "defense-evasion" },
  hives = { "SOFTWARE" },
  rules = rules,
  allow = ALLOW,
  prepare = prepare,
  facts = facts,
  describe = describe,
  exports = {
    data = {
      MICROSOFT_HOMES = MICROSOFT_HOMES, SYSTEM_DLL_HOMES = SYSTEM_DLL_HOMES,
      MICROSOFT_AUTHORS = MICROSOFT_AUTHORS, STOCK_TASK_NAMES = STOCK_TASK_NAMES,
      REMOTE_MARKERS = REMOTE_MARKERS, ALLOW = ALLOW,
    },
    program = program,
  },
}
