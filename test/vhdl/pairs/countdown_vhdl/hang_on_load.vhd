library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Hang: the clocked process spins forever inside one simulation cycle once load is seen.
entity TopModule is
  port (clk, reset, load : in std_logic; value : in std_logic_vector(7 downto 0);
        count : out std_logic_vector(7 downto 0); done : out std_logic);
end entity;

architecture rtl of TopModule is
  signal c : unsigned(7 downto 0);
begin
  process (clk)
    variable n : natural := 0;
  begin
    if rising_edge(clk) then
      if load = '1' then
        while n >= 0 loop
          n := (n + 1) mod 5;
        end loop;
      end if;
      c <= unsigned(value);
    end if;
  end process;
  count <= std_logic_vector(c);
  done <= '0';
end architecture;
