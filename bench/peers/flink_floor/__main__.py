from bench.peers.flink_floor import main

main()
