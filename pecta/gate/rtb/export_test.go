package rtb

// ParseRequestStrict and ParseResponseStrict parse with every skipped value
// validated, for the tests against encoding/json.
func ParseRequestStrict(data []byte, r *Request) error { return parseRequest(data, r, true) }

func ParseResponseStrict(data []byte, r *Response) error { return parseResponse(data, r, true) }
