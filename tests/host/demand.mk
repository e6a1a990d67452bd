# mm/fault_queue (demand-fault queues) and lib/percentile on pthreads: under
# ThreadSanitizer (test_demand), and AddressSanitizer + UBSan (test_demand_asan).
HOST_TESTS += demand demand_asan
demand_SRCS := mm/fault_queue.c lib/percentile.c tests/host/test_demand.c
demand_SAN := thread
demand_asan_SRCS := $(demand_SRCS)
