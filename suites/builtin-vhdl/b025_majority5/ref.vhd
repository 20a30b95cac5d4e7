library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (v : in std_logic_vector(4 downto 0); maj : out std_logic);
end entity;

architecture rtl of TopModule is
begin
  process (v)
    variable ones : natural range 0 to 5;
  begin
    ones := 0;
    for i in v'range loop
      if v(i) = '1' then ones := ones + 1; end if;
    end loop;
    if ones >= 3 then maj <= '1'; else maj <= '0'; end if;
  end process;
end architecture;
