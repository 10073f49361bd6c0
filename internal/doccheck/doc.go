// Package doccheck holds no code: its tests check the repository's
// documentation, so that a renamed field or a moved file breaks CI rather
// than a reader.
//
//   - Every ```go block of README.md, docs/*.md and bench/README.md
//     compiles. A block with a package clause is compiled as the file it
//     is; any other block is compiled as the body of a function (or, when
//     it holds only declarations, as the declarations of a file), with its
//     imports found from the packages it names and its free variables
//     (ctx, c, em, ...) declared from a fixed list in doccheck_test.go.
//     Blocks that import a nested module's package (telemetry/spool,
//     telemetry/redisbudget, telemetry/otelmetrics, telemetry/promcollector)
//     are compiled in that module. Compiler errors
//     name the Markdown file and line.
//   - Every relative link of those files names a file that exists, and
//     every #anchor a heading of the target.
//   - Every docs/*.md page a Go file names exists.
//   - README.md stays within 300 lines.
//
// A block that is not meant to compile (there should be none) is marked
// with an HTML comment <!-- doccheck:skip --> on the line before its fence.
package doccheck
