(set-logic LIA)
(synth-fun half ((x Int)) Int
  ((Start Int))
  ((Start Int (x 0 1 2 (div Start 2) (+ Start Start) (- Start Start)))))
(declare-var x Int)
(assume (>= x 0))
(constraint (<= (* 2 (half x)) x))
(constraint (< x (+ (* 2 (half x)) 2)))
(check-synth)
