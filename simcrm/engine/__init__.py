"""The engine: the one block loop every analysis calls (:mod:`~simcrm.engine.blocks`),
where chunks are computed (:mod:`~simcrm.engine.executors`), resumable runs into a
results directory (:mod:`~simcrm.engine.run`) and that directory's files
(:mod:`~simcrm.engine.store`). Depends on the model, the statistics and the scenario."""
