-- Buffered writer: the lock a COPY through llm_call_history would take on the parent,
-- taken before the partitions are read (writer/llm_call_partitions), so that no partition
-- can be detached or dropped (both need a stronger lock on the parent) between that read
-- and the commit of the rows copied into it. Parent first, then the partition: the order
-- a COPY through the parent locks them in.
LOCK TABLE llm_call_history IN ROW EXCLUSIVE MODE
