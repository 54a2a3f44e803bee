-- GET one path for one patient. Arguments: session token, patient id, path.
local headers = {}
local path

function init(args)
  headers["X-Session-Token"] = args[1]
  headers["X-Bench-Patient"] = args[2]
  path = args[3]
end

function request()
  return wrk.format("GET", path, headers)
end
