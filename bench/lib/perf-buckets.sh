#!/bin/sh
# Bench-only: the on-CPU samples of a `perf record -p PID` of the service
# (every thread) grouped by what runs: SQLite (better-sqlite3's binary), the
# kernel, JIT-compiled JS, V8's GC, parser/compilers, builtins and
# interpreter, Node's C++, malloc; and by thread (main or helper). Unlike a V8
# .cpuprofile, which samples the main thread's wall time, this counts CPU
# only (a thread waiting in fsync or descheduled is not sampled), so it says
# how much of the CPU SQLite or the kernel takes.
#
#   sh bench/lib/perf-buckets.sh FILE.perf.data
set -eu
perf script -i "$1" -F comm,ip,sym,dso 2>/dev/null | perl -ne '
  next unless /^\s*(.+?)\s+[0-9a-f]+ (.*) \(([^()]*)\)\s*$/;
  my ($comm, $sym, $dso) = ($1, $2, $3);
  my $k;
  if ($dso =~ /linux-x64\.node|better_sqlite3/) { $k = "SQLite (better-sqlite3 native)" }
  elsif ($dso =~ /kernel/) { $k = "kernel (network, fsync, page faults, scheduling)" }
  elsif ($dso =~ /^\/tmp\/perf-|JIT|unknown/ || $sym =~ /^\[unknown\]$/) { $k = "JS in JIT code (Sparkplug/Maglev/Turbofan)" }
  elsif ($dso =~ /libc\.so/ && $sym =~ /malloc|free|_int_|unlink_chunk|realloc|calloc|tcache/) { $k = "malloc/free (libc)" }
  elsif ($dso =~ /libc|libstdc|libm|libgcc|ld-linux|vdso/) { $k = "libc and other libraries" }
  elsif ($sym =~ /Scaveng|MarkCompact|ConcurrentMarking|Marking|Sweeper|Heap::|Evacuat|Compactor|RememberedSet|PagedSpace|SemiSpace|NewSpace|MemoryChunk|GCTracer|RecordWrite|WriteBarrier/) { $k = "V8 garbage collector" }
  elsif ($sym =~ /Scanner|Parser|Parse|AstValue|Ast[A-Z]|Compiler|compiler::|maglev|Bytecode|baseline::|Compile|Zone|Deserializ|Scope/) { $k = "V8 parser and compilers" }
  elsif ($sym =~ /Builtins_/) { $k = "V8 builtins and interpreter (ICs, calls, bytecode handlers)" }
  elsif ($sym =~ /node::|uv_|simdutf|llhttp|ada::|nghttp|ncrypto|EVP_|SHA|sha/) { $k = "Node C++ (http parser, streams, libuv, crypto)" }
  else { $k = "V8 runtime, other" }
  $n++; $by{$k}++; $thread{$comm eq "MainThread" || $comm eq "node" ? "main thread" : "helper threads ($comm)"}++;
  END {
    printf "%d on-CPU samples\n", $n;
    printf "%6.1f%%  %s\n", 100 * $by{$_} / $n, $_ for sort { $by{$b} <=> $by{$a} } keys %by;
    print "by thread:\n";
    printf "%6.1f%%  %s\n", 100 * $thread{$_} / $n, $_ for sort { $thread{$b} <=> $thread{$a} } keys %thread;
  }'
