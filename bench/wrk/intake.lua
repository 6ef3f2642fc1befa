-- wrk script for bench/intake.py. Every request carries mentions with a unique external_id and url (a
-- repeated one would be answered as a cheap duplicate), and each thread counts the responses itself so that
-- a non-2xx answer, or a 200 where 201 is due, cannot pass unnoticed.
-- Arguments after "--": mode (single|batch), batch size, id prefix, expected status, bearer key (may be
-- empty), item template (one JSON object with @ID@ wherever the unique id goes).
-- done() prints one line "BENCH {json}" that intake.py reads.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  mode, batch_size, expected = args[1], tonumber(args[2]), tonumber(args[4])
  prefix = args[3] .. "-" .. tid .. "-"
  template = args[6]
  counter, ok, created, bad, statuses = 0, 0, 0, 0, {}
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[5] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[5]
  end
end

local function item()
  counter = counter + 1
  return (template:gsub("@ID@", prefix .. counter))
end

function request()
  if mode == "single" then
    return wrk.format(nil, nil, nil, item())
  end
  local items = {}
  for i = 1, batch_size do
    items[i] = item()
  end
  return wrk.format(nil, nil, nil, '{"items":[' .. table.concat(items, ",") .. "]}")
end

function response(status, headers, body)
  if status ~= expected then
    bad = bad + 1
    statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  elseif mode == "batch" then
    ok = ok + 1
    created = created + (tonumber(body:match('"created"%s*:%s*(%d+)')) or 0)
  else
    ok = ok + 1
    created = created + 1
  end
end

function done(summary, latency, requests)
  local total, by_status = { ok = 0, created = 0, bad = 0 }, {}
  for _, thread in ipairs(threads) do
    for name in pairs(total) do
      total[name] = total[name] + thread:get(name)
    end
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(by_status) do
    parts[#parts + 1] = string.format('"%s":%d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"seconds":%.6f,"ok":%d,"created":%d,"bad":%d,"socket_errors":%d,'
      .. '"p50_ms":%.3f,"p99_ms":%.3f,"bad_statuses":{%s}}\n',
    summary.duration / 1e6, total.ok, total.created, total.bad, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, table.concat(parts, ",")
  ))
end
