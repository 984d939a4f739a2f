package nexwaytest

// queue is a first-in first-out list whose pops cost O(1) on average: a
// pop moves head, and the items left are moved down once head passes half
// of the slice, so that a long run neither copies the queue on every pop
// nor keeps what was popped alive. The zero value is an empty queue.
type queue[T any] struct {
	items []T // items[head:] are queued
	head  int
}

func (q *queue[T]) push(v T) { q.items = append(q.items, v) }

func (q *queue[T]) len() int { return len(q.items) - q.head }

// pop removes and returns the oldest item; the queue must not be empty.
func (q *queue[T]) pop() T {
	var zero T
	v := q.items[q.head]
	q.items[q.head] = zero // let the collector have it
	q.head++
	if q.head > len(q.items)/2 {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items = q.items[:n]
		q.head = 0
	}
	return v
}

// all returns the queued items, oldest first, without copying them.
func (q *queue[T]) all() []T { return q.items[q.head:] }
