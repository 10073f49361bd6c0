package gate

// CloudGates returns the generic gates with their default options, in the
// order POST /v1/evaluate runs them: filesystem, pii, content. The
// in-process test server pectatest runs exactly these, so the cloud and the
// in-process answers on the same output agree.
func CloudGates() []Gate {
	content, _ := Content(ContentOptions{}) // the defaults are valid (tested)
	return []Gate{Filesystem(FilesystemOptions{}), PII(PIIOptions{}), content}
}
