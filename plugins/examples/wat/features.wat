;; features.wat — a module that exercises what the load-time rewrite must
;; renumber: a start function, active and declarative element segments,
;; ref.func in a global and in code, call_indirect, a loop with parameters,
;; memory.grow, and a declared memory maximum above the sandbox's limit.
;; udf/internal/wasmbin's tests run it before and after the rewrite.
(module
  (type $unop (func (param i64) (result i64)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (memory (export "memory") 1 65536)
  (table $t 4 funcref)
  (global $fp (mut funcref) (ref.func $triple))
  (global $started (mut i64) (i64.const 0))
  (elem (i32.const 0) $double $triple)
  (elem declare func $square)
  (start $init)

  (func $init (global.set $started (i64.const 100)))
  (func $double (export "double") (type $unop) (i64.mul (local.get 0) (i64.const 2)))
  (func $triple (export "triple") (type $unop) (i64.mul (local.get 0) (i64.const 3)))
  (func $square (type $unop) (i64.mul (local.get 0) (local.get 0)))

  (func (export "started") (result i64) (global.get $started))

  ;; apply(i, x) = table[i](x)
  (func (export "apply") (param $i i32) (param $x i64) (result i64)
    (call_indirect (type $unop) (local.get $x) (local.get $i)))

  ;; via_ref(x): puts $square (ref.func in code) and the global's funcref in
  ;; the table, then returns square(x) + triple(x).
  (func (export "via_ref") (param $x i64) (result i64)
    (table.set $t (i32.const 2) (ref.func $square))
    (table.set $t (i32.const 3) (global.get $fp))
    (i64.add
      (call_indirect (type $unop) (local.get $x) (i32.const 2))
      (call_indirect (type $unop) (local.get $x) (i32.const 3))))

  ;; sum_to(n) = n + (n-1) + ... + 1, with a plain loop.
  (func (export "sum_to") (param $n i64) (result i64) (local $acc i64)
    (block $done
      (loop $l
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (local.get $n)))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $l)))
    (local.get $acc))

  ;; countdown(n) = 0 after n iterations of a loop that carries its counter
  ;; as a loop parameter (multi-value).
  (func (export "countdown") (param $n i64) (result i64)
    (local.get $n)
    (loop $l (param i64) (result i64)
      (i64.sub (i64.const 1))
      (local.tee $n)
      (i64.eqz)
      (if (param) (result i64) (then (local.get $n)) (else (local.get $n) (br $l)))))

  ;; grow(pages) = memory.grow result
  (func (export "grow") (param $p i32) (result i32) (memory.grow (local.get $p)))

  ;; yield_once calls an import, so an import index stays unchanged.
  (func (export "yield_once") (result i32) (call $sched_yield))
)
