(set-logic LIA)
(synth-fun f ((x Int) (y Int)) Int
  ((Start Int))
  ((Start Int (x y (Constant Int) (+ Start Start) (- Start Start)))))
(declare-var x Int)
(declare-var y Int)
(constraint (= (f x y) (- (+ x x y) 3)))
(check-synth)
