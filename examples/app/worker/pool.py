import time
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from app.db import get_engine
from app.models import Item


class WorkerPool:
    def __init__(self, size: int = 4) -> None:
        self.executor = ThreadPoolExecutor(max_workers=size)

    def poll_forever(self) -> None:
        while True:
            with Session(get_engine()) as session:
                for item in session.exec(select(Item)):
                    self.executor.submit(self.process, item.id)
            time.sleep(1)

    def process(self, item_id: int) -> None:
        with Session(get_engine()) as session:
            item = session.get(Item, item_id)
            item.name = item.name.strip()
            session.add(item)
            session.commit()
