//go:build !unix

package redistest

import "os"

var sigStop, sigCont os.Signal = os.Kill, os.Kill
