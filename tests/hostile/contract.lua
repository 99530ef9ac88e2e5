-- What every hivehunt run on hostile input must honour (DESIGN.md §4,
-- issue 7): exit 0 or 3 only; on 3 nothing on stdout and a one-line error
-- naming the file; on 0 a complete report; every stderr line is one
-- "hivehunt: ..." line, and every line that is not a warning names the file.
local cjson = require "cjson.safe"

local C = {}

local HERE = (os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/hostile"
C.RUN_ONE = HERE .. "/run_one.sh"

function C.q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

function C.slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

function C.spit(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

function C.tmpdir()
  local p = io.popen("mktemp -d")
  local d = p:read("l")
  p:close()
  return d
end

-- One run: { rc, out, err, ms }.
function C.run(prefix, argv)
  local cmd = { C.q(C.RUN_ONE), C.q(prefix) }
  for _, a in ipairs(argv) do cmd[#cmd + 1] = C.q(a) end
  os.execute(table.concat(cmd, " "))
  return C.result(prefix)
end

function C.result(prefix)
  return {
    rc = tonumber(C.slurp(prefix .. ".rc") or ""),
    out = C.slurp(prefix .. ".out") or "",
    err = C.slurp(prefix .. ".err") or "",
    ms = tonumber(C.slurp(prefix .. ".ms") or ""),
  }
end

-- Many runs, two at a time: jobs = { {prefix=, argv={...}}, ... }.
function C.run_parallel(jobs, dir, parallel)
  local list = dir .. "/jobs.txt"
  local f = assert(io.open(list, "w"))
  for _, j in ipairs(jobs) do
    local line = { C.q(j.prefix) }
    for _, a in ipairs(j.argv) do line[#line + 1] = C.q(a) end
    f:write(table.concat(line, " "), "\n")
  end
  f:close()
  os.execute(("xargs -P %d -L 1 %s < %s"):format(parallel or 2, C.q(C.RUN_ONE), C.q(list)))
  for _, j in ipairs(jobs) do j.result = C.result(j.prefix) end
end

-- RFC 4180 records; nil, why when the text is not well-formed csv.
function C.parse_csv(text)
  local records, fields, field = {}, {}, {}
  local i, n = 1, #text
  local quoted_field = false
  while i <= n do
    local ch = text:sub(i, i)
    if ch == '"' and #field == 0 and not quoted_field then
      local j = i + 1
      while true do
        local k = text:find('"', j, true)
        if not k then return nil, "unterminated quoted field" end
        field[#field + 1] = text:sub(j, k - 1)
        if text:sub(k + 1, k + 1) == '"' then
          field[#field + 1] = '"'
          j = k + 2
        else
          i = k + 1
          break
        end
      end
      quoted_field = true
    elseif ch == "," then
      fields[#fields + 1] = table.concat(field); field = {}; quoted_field = false
      i = i + 1
    elseif ch == "\r" or ch == "\n" then
      if ch == "\r" then
        if text:sub(i + 1, i + 1) ~= "\n" then return nil, "bare CR outside quotes at byte " .. i end
        i = i + 1
      end
      fields[#fields + 1] = table.concat(field); field = {}; quoted_field = false
      records[#records + 1] = fields; fields = {}
      i = i + 1
    else
      if quoted_field then return nil, "text after a closing quote at byte " .. i end
      local k = text:find('[,\r\n"]', i) or (n + 1)
      if text:sub(k, k) == '"' then return nil, "quote inside an unquoted field at byte " .. k end
      field[#field + 1] = text:sub(i, k - 1)
      i = k
    end
  end
  if #field > 0 or #fields > 0 then return nil, "last record has no line end" end
  return records
end

-- A complete report in fmt: nil, why otherwise. Empty output is a complete
-- jsonl report (no findings) but not a complete csv one (the header).
function C.complete(fmt, out)
  if fmt == "jsonl" then
    if out ~= "" and out:sub(-1) ~= "\n" then return nil, "jsonl does not end with a newline" end
    local n = 0
    for line in out:gmatch("([^\n]*)\n") do
      n = n + 1
      local obj, why = cjson.decode(line)
      if type(obj) ~= "table" then return nil, ("jsonl line %d is not an object: %s"):format(n, why or line:sub(1, 80)) end
    end
    return true
  elseif fmt == "csv" then
    local recs, why = C.parse_csv(out)
    if not recs then return nil, why end
    if #recs == 0 then return nil, "csv has no header" end
    for i, r in ipairs(recs) do
      if #r ~= #recs[1] then
        return nil, ("csv record %d has %d fields, the header %d"):format(i, #r, #recs[1])
      end
    end
    return true
  end
  return true
end

-- A reason when text would reach a terminal unsafely (invalid UTF-8, C0
-- other than tab and newline, DEL, C1, bidi embeddings/overrides/isolates),
-- nil when it is safe.
function C.terminal_unsafe(text)
  if not utf8.len(text) then return "invalid UTF-8" end
  for _, c in utf8.codes(text) do
    if (c < 0x20 and c ~= 9 and c ~= 10) or (c >= 0x7f and c <= 0x9f)
        or (c >= 0x202a and c <= 0x202e) or (c >= 0x2066 and c <= 0x2069) then
      return ("raw U+%04X"):format(c)
    end
  end
  return nil
end

-- nil, why when run r on file broke the contract.
function C.check(r, file, fmt, timeout_ms)
  if r.rc ~= 0 and r.rc ~= 3 then
    return nil, ("exit %s (only 0 or 3 allowed); stderr: %s"):format(tostring(r.rc), r.err:sub(1, 300))
  end
  if timeout_ms and r.ms and r.ms > timeout_ms then
    return nil, ("took %d ms (limit %d)"):format(r.ms, timeout_ms)
  end
  if r.err ~= "" and r.err:sub(-1) ~= "\n" then return nil, "stderr does not end with a newline" end
  local named = false
  for line in r.err:gmatch("([^\n]*)\n") do
    if line:sub(1, 10) ~= "hivehunt: " then
      return nil, "stderr line without the hivehunt prefix: " .. line:sub(1, 120)
    end
    local names = line:find(file, 1, true) ~= nil
    named = named or names
    if not names and not line:find(": warning: ", 1, true) then
      return nil, "error line does not name the file: " .. line:sub(1, 200)
    end
    local unsafe = C.terminal_unsafe(line)
    if unsafe then return nil, "stderr: " .. unsafe .. ": " .. line:sub(1, 120) end
  end
  if r.rc == 3 then
    if r.out ~= "" then return nil, "exit 3 with output on stdout: " .. r.out:sub(1, 120) end
    if not named then return nil, "exit 3 without a line naming the file; stderr: " .. r.err:sub(1, 300) end
  else
    local ok, why = C.complete(fmt, r.out)
    if not ok then return nil, "incomplete " .. fmt .. " report: " .. why end
  end
  return true
end

return C
