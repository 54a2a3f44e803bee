-- PUT one diary day per request for a random patient and one of the last 30 days.
-- Arguments: tokens file ("token patient_id" per line), path prefix, medication ids (comma list).
local patients = {}
local bodies = {}
local prefix

function init(args)
  for line in io.lines(args[1]) do
    local token, patient = line:match("(%S+) (%S+)")
    patients[#patients + 1] = { token, patient }
  end
  prefix = args[2]
  local meds = {}
  for id in args[3]:gmatch("%d+") do meds[#meds + 1] = id end
  bodies = {
    '{"headache": false}',
    '{"headache": true, "duration_hours": 6, "peak_severity": 2, "features": {"pulsating": true, '
      .. '"nausea": true, "photophobia": true}, "disability": 2, "medications": [{"medication": '
      .. meds[1] .. ', "doses": 1}]}',
    '{"headache": true, "duration_hours": 3.5, "peak_severity": 1, "features": {}, '
      .. '"disability": 0, "notes": "after work", "medications": [{"medication": ' .. meds[2]
      .. ', "doses": 2}, {"medication": ' .. meds[1] .. ', "doses": 1}]}',
  }
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

function request()
  local who = patients[math.random(#patients)]
  local day = os.date("!%Y-%m-%d", os.time() - 86400 * math.random(0, 29))
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Session-Token"] = who[1],
    ["X-Bench-Patient"] = who[2],
  }
  return wrk.format("PUT", prefix .. day .. "/", headers, bodies[math.random(#bodies)])
end
