package telemetry

// fifo is a first-in, first-out list (the queue's sealed batches, the
// spool's waiting batches); unshift puts an item back in front.
type fifo[T any] struct {
	items []T
	head  int // items[:head] are taken
}

func (f *fifo[T]) len() int { return len(f.items) - f.head }

// front returns the oldest item, or the zero T when the list is empty.
func (f *fifo[T]) front() (v T) {
	if f.head < len(f.items) {
		v = f.items[f.head]
	}
	return v
}

func (f *fifo[T]) push(v T) {
	if f.head > 0 && f.head == len(f.items) { // empty: start over
		f.items, f.head = f.items[:0], 0
	} else if f.head >= 32 && 2*f.head >= len(f.items) { // mostly taken: compact
		n := copy(f.items, f.items[f.head:])
		clear(f.items[n:])
		f.items, f.head = f.items[:n], 0
	}
	f.items = append(f.items, v)
}

// pop removes and returns the oldest item; ok is false when there is none.
func (f *fifo[T]) pop() (v T, ok bool) {
	if f.head == len(f.items) {
		return v, false
	}
	v = f.items[f.head]
	var zero T
	f.items[f.head] = zero
	f.head++
	return v, true
}

// unshift puts v in front of the oldest item.
func (f *fifo[T]) unshift(v T) {
	if f.head > 0 {
		f.head--
		f.items[f.head] = v
		return
	}
	f.items = append(f.items, v)
	copy(f.items[1:], f.items)
	f.items[0] = v
}
