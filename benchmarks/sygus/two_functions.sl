; two functions tied by one constraint
(set-logic LIA)
(synth-fun f ((x Int) (y Int)) Int ((Start Int (x y 0 1 (+ Start Start) (- Start Start)))))
(synth-fun g ((x Int) (y Int)) Int ((Start Int (x y 0 1 (+ Start Start) (- Start Start)))))
(declare-var a Int)
(declare-var b Int)
(constraint (= (+ (f a b) (g a b)) (+ (+ a a) 1)))
(constraint (= (- (f a b) (g a b)) (- 0 1)))
(check-synth)
