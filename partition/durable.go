package partition

// durable is a loop's acknowledgement state for JetStream inputs and
// outputs: the current input's stream sequence and outputs (their message
// ids), the last input processed, the current record's AckAfter, and the
// checkpointer (nil: inputs are acknowledged by AckAfter).
//
// Invariant: an input is acknowledged only when its outputs are confirmed
// stored by JetStream (or published, for a core sink) and its effect on
// state is durable: saved in a checkpoint, or (without checkpoints) every
// window it contributed to has been emitted. Acknowledgement is cumulative
// (AckAll), so one ack covers every input up to it. The intake acknowledges
// (intake.commit, intake.checkpointed), only after the outlet confirmed
// (outlet.confirm).
type durable struct {
	until int64         // the current record's AckAfter
	seq   uint64        // the current input's stream sequence (0: not JetStream)
	idx   int           // outputs published for the current input (message-id index)
	last  uint64        // stream sequence of the last input processed
	ck    *checkpointer // nil: acknowledge by AckAfter
}

// commit confirms what was published to JetStream sinks and, without
// checkpoints, acknowledges the ready prefix of the inputs.
func (l *Loop) commit() error {
	if err := l.outlet.confirm(); err != nil {
		return err
	}
	return l.intake.commit(l.wm)
}

// confirm waits until the outlet's outputs are stored (see outlet.confirm).
func (l *Loop) confirm() error { return l.outlet.confirm() }
