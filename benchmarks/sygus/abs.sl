(set-logic LIA)
(synth-fun absval ((x Int)) Int
  ((Start Int) (B Bool))
  ((Start Int (x 0 1 (+ Start Start) (- Start Start) (ite B Start Start)))
   (B Bool ((<= Start Start) (not B)))))
(declare-var x Int)
(constraint (>= (absval x) 0))
(constraint (or (= (absval x) x) (= (absval x) (- 0 x))))
(check-synth)
