"""Dataset synthesis (ADR-0006): CW-Reward (A), MAP-Elites over construct cells (E) and MAP-Elites with a
ConstructPrior mined from real code (F), for any language with an adapter (python, kcl, lark:GRAMMAR).

Index:
- `adapters`: parse / list constructs / execute per language (`get_adapter`)
- `stages`: Stage 1 parse, Stage 2 ECS and test quality, Stage 3 novelty and near-duplicates
- `reward`: Candidate A (CW-Reward, GoldPool, coverage summary; grid A1-A4)
- `cells`, `archive`, `emitter`, `map_elites`: Candidate E (grid E1-E4)
- `construct_map`, `prior`: Candidate F's ConstructPrior (grid F1-F4)
- `loop`: the generation loop over a model, resumable through the run store
- `metrics`, `retrieval`, `report`: evaluation, plots and the A/E/F comparison
"""
